"""Alembic environment: migrations run on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from geo_app.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    msg = "migrations run through geo_app.store.migrate.upgrade(), which passes a connection"
    raise RuntimeError(msg)

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
