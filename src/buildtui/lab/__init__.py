"""Laboratory 7 as a whole: setting it up and taking it down, and the checklist of what
the app observes, item by item (no Textual here)."""
