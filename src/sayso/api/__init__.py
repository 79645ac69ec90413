"""The HTTP API (/api/v1): thin routes over the services, errors as problem+json."""
