"""The LLM engine: providers, a small tool-using agent loop confined to owned paths, validation and revert."""
