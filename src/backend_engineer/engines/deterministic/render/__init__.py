"""Renderers: each turns the intermediate model into the text of one or more generated files."""
