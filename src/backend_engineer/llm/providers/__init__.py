"""Model providers behind one port: OpenAI-compatible, Anthropic and a scripted replay model."""
