"""Contract design: draft an OpenAPI 3.1 contract from the data model, or refine an existing one."""
