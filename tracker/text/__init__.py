"""Pure functions over strings: normalising, diffing, aligning and analysing edits."""
