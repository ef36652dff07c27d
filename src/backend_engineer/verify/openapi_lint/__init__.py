"""House rules for OpenAPI contracts (BE1xx), one module per rule."""
