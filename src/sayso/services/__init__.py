"""Application services: the one home of business rules. API, web and CLI call these.

Each function takes the ``Session`` of the caller's unit of work and never commits:
the boundary (a CLI command, a request) commits once when the work is done.
"""
