"""The central server: FastAPI app, its own SQLAlchemy models and Alembic migrations,
and the `agentdesk-server` admin CLI."""
