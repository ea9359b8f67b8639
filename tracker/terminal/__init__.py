"""Rich text for the terminal faces (the CLI and the TUI); nothing else loads rich."""
