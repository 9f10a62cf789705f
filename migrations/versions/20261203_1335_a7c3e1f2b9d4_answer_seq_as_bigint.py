"""An answer's seq is a BIGINT: clients may count saves with a millisecond clock (up to 2**53-1)

Revision ID: a7c3e1f2b9d4
Revises: 3e70704d5d43
Create Date: 2026-12-03 13:35:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c3e1f2b9d4"
down_revision = "3e70704d5d43"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.alter_column(
            "seq", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )


def downgrade():
    # Refuses (integer out of range) if a stored seq no longer fits in four bytes.
    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.alter_column(
            "seq", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
