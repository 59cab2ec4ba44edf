"""Running `docker buildx build` and keeping its history (no UI)."""
