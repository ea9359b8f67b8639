"""The sample story that ships with tracker (package data; see README.md here)."""
