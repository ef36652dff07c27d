"""Integrations: the MCP server, `init` files for AI coding tools, and the HTML handoff."""
