"""Alembic migrations of the server database (run by agentdesk.server.db.migrate)."""
