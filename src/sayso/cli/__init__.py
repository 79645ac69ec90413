"""The ``sayso`` command line: a thin shell over the services."""
