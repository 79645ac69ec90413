"""The pure domain: purposes, modalities, policies, notices, records, decisions.

Nothing in this package touches a database, a file (other than packaged data it
is handed), the clock or the network.
"""
