"""Exports: the manifest and dataset card of a consented dataset (pure, no database)."""
