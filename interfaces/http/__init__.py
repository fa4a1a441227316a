"""The HTTP API (FastAPI): `create_app(settings)` in `main` assembles it."""
