"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import MIGRATIONS_DIR, create_app
from app.extensions import db


def test_migrations_have_a_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with nothing in it, of the same kind as the test database."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrading_an_empty_database_gives_exactly_the_models(empty_database_url, tmp_path):
    os.environ["INSTANCE_PATH"] = str(tmp_path)
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with fresh.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()
