"""The Docker engine and its CLI, through python-on-whales (no Textual here)."""
