"""The Typer and Rich command line. Only this package imports Rich."""
