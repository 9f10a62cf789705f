"""question banks as rows

A question, a knowledge point and an exam named their bank by a free string ("province" or
"e<enterprise id>"). The banks are now rows of `question_banks`, with their owner, and the
three columns are foreign keys to them. Existing keys are checked first: a key that is
neither form, or names an enterprise that does not exist, stops the upgrade with the key
and where it is used, so that it can be put right by hand.

Revision ID: 5b0c9e7d2a61
Revises: 5c1d2e3f4a5b
Create Date: 2026-12-03 14:30:00

"""

import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5b0c9e7d2a61"
down_revision = "5c1d2e3f4a5b"
branch_labels = None
depends_on = None

PROVINCIAL_BANK = "province"
USERS = ("knowledge_points", "questions", "exams")  # the tables that name a bank


def _banks():
    """{key: enterprise id or None} for every key in use, or RuntimeError naming bad ones."""
    connection = op.get_bind()
    enterprises = set(connection.execute(sa.text("SELECT id FROM enterprises")).scalars())
    banks, bad = {PROVINCIAL_BANK: None}, []
    for table in USERS:
        rows = connection.execute(
            sa.text(f"SELECT bank, COUNT(*) FROM {table} GROUP BY bank ORDER BY bank")
        )
        for key, count in rows:
            if key == PROVINCIAL_BANK:
                continue
            match = re.fullmatch(r"e([1-9][0-9]*)", key or "")
            if match and int(match.group(1)) in enterprises:
                banks[key] = int(match.group(1))
            else:
                bad.append(f"  {table}.bank: {key!r} in {count} row(s)")
    if bad:
        raise RuntimeError(
            'Rows name a question bank that is neither "province" nor "e<id>" of an existing'
            " enterprise; correct them, then upgrade again:\n" + "\n".join(bad)
        )
    return banks


def upgrade():
    banks = _banks()
    question_banks = op.create_table(
        "question_banks",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(key = 'province' AND enterprise_id IS NULL)"
            " OR (enterprise_id IS NOT NULL AND key = 'e' || enterprise_id)",
            name=op.f("ck_question_banks_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_question_banks_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_question_banks")),
        sa.UniqueConstraint("enterprise_id", name=op.f("uq_question_banks_enterprise_id")),
    )
    op.bulk_insert(
        question_banks,
        [{"key": key, "enterprise_id": enterprise_id} for key, enterprise_id in banks.items()],
    )
    for table in USERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_bank_question_banks"),
                "question_banks",
                ["bank"],
                ["key"],
                ondelete="RESTRICT",
            )


def downgrade():
    for table in USERS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"fk_{table}_bank_question_banks"), type_="foreignkey")
    op.drop_table("question_banks")
