"""law-training sign-ups keep a look-up key

查看我的报名 asks for the last 4 characters of the identity number besides phone and name;
the sign-up keeps a keyed hash of phone and those digits. Sign-ups from before have none
(NULL) and are not found by the look-up: staff check them in by name at the door.

Revision ID: 3e8a41c6d2b9
Revises: 661a07bd7789
Create Date: 2026-12-03 17:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e8a41c6d2b9'
down_revision = '661a07bd7789'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('law_training_signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lookup_key', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('law_training_signups', schema=None) as batch_op:
        batch_op.drop_column('lookup_key')
