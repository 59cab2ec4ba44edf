"""Laboratory 7 as a checklist: what the app observes, item by item (no Textual here)."""
