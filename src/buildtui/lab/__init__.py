"""Laboratory 7 as a whole: setting the lab up and taking it down (no Textual here)."""
