"""The Lab pane: Laboratory 7 as a live checklist, and the submit dialog."""
