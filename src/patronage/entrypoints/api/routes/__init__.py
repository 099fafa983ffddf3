"""Route modules of the REST API, one per area; each is a thin call into the service."""
