"""Migrations: an empty database migrated to every head has exactly the tables the code
defines (Alembic's autogenerate comparison finds no difference), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from patronage.adapters.db.all_tables import metadata
from patronage.adapters.db.engine import make_engine
from patronage.adapters.db.migrate import alembic_config, upgrade


def test_every_revision_is_reachable_from_the_initial_one() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    bases = script.get_bases()
    assert bases == ["0001"]
    heads = script.get_heads()
    assert heads, "no head revision"
    walked = {rev.revision for rev in script.walk_revisions("base", "heads")}
    assert {"0001", *heads} <= walked


def test_upgrade_to_heads_matches_the_table_definitions(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)  # a second upgrade is a no-op
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            applied = set(context.get_current_heads())
            heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
            assert applied == heads, "every head (core, api, web, ops) is applied"
            differences = compare_metadata(context, metadata)
            assert differences == [], "\n".join(str(d) for d in differences)
            tables = set(inspect(conn).get_table_names())
        assert set(metadata.tables) | {"alembic_version"} == tables
    finally:
        engine.dispose()
