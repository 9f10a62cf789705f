"""exams: answers shown while attempts remain only when the exam says so

Answers and explanations were shown after the first attempt while further attempts remained
(a candidate could read them, then sit again). `review_while_attempts_left` (default off)
keeps them back until no attempt is left or the window has closed; existing exams take the
safe default.

Revision ID: c5d8e2a41f07
Revises: b7d1c2a9e4f3
Create Date: 2026-12-03 14:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5d8e2a41f07"
down_revision = "b7d1c2a9e4f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_while_attempts_left",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    # The default served the existing rows; the model gives new ones theirs.
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.alter_column("review_while_attempts_left", server_default=None)


def downgrade():
    with op.batch_alter_table("exams", schema=None) as batch_op:
        batch_op.drop_column("review_while_attempts_left")
