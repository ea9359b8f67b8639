"""`python -m tracker` runs the same entry point as the `tracker` console script."""

from tracker.launch import main

main()
