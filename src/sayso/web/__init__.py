"""The pages: Jinja2 templates over the same services as the API; all work without JavaScript."""
