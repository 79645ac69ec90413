"""The ledger: SQLAlchemy storage of orgs, policies, notices, consent events and the log."""
