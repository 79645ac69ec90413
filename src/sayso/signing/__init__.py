"""Signing: the deployment's Ed25519 keys (in a file, never in the database) and receipts."""
