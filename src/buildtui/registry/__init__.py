"""Registry client and manifest inspector (distribution API v2 over httpx; no Textual here)."""
