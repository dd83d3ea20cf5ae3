def register(router) -> None:
    """Register this module's viewsets on the /api/ router."""
