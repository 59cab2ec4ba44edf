"""buildtui: a terminal UI for Docker buildx labs."""

__version__ = "0.1.0"
