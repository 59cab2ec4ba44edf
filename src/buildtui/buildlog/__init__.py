"""BuildKit plain progress: parser, build model, summary and explained failures (no UI)."""
