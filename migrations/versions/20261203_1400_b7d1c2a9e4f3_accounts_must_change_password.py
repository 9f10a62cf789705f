"""accounts must change a password an admin set

An account created or reset by an admin changes its password at the first login. Existing
accounts keep theirs (false).

Revision ID: b7d1c2a9e4f3
Revises: 416197cf85ec
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d1c2a9e4f3'
down_revision = '416197cf85ec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                      nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
