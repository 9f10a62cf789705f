"""zh_natural: lists sort Chinese by pinyin and numbers by value (PostgreSQL's ICU collation)

Revision ID: 7d4e1a2b9c60
Revises: 3c335cfa4605
Create Date: 2026-12-04 17:50:00

SQLite registers the same collation in Python on every connection (`app.sorting`).
"""

from alembic import op

revision = "7d4e1a2b9c60"
down_revision = "3c335cfa4605"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE COLLATION IF NOT EXISTS zh_natural (provider = icu, locale = 'zh-u-kn-true')"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP COLLATION IF EXISTS zh_natural")
