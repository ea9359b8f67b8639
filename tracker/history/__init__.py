"""Reading a story's history for people: comparisons, blame, what was seen."""
