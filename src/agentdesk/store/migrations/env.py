"""Alembic environment for the desktop's local database.

Migrations run only programmatically (`agentdesk.store.database.migrate`), on a
connection the store opened with its pragmas, inside that connection's transaction:
there is no alembic.ini and no URL here.
"""

from alembic import context

from agentdesk.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
