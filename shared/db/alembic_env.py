"""The body of every service's ``migrations/env.py``.

Migrations run on the connection handed over by ``shared.db.migrate`` (whose
``search_path`` is the service schema), so DDL needs no schema qualifier.
"""

from __future__ import annotations

from alembic import context


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through shared.db.migrate (crosssell migrate)")
    context.configure(
        connection=connection,
        version_table_schema=config.attributes["schema"],
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()
