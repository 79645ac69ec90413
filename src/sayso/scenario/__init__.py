"""Scenarios: a whole meeting's consent story (and its archive) replayed end to end."""
