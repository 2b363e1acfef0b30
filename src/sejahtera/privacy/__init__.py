"""Data-subject rights under UU 27/2022 that draw on every app (the top layer)."""
