"""study clocks

One row per learner: the moment up to which their study time has been credited. Every
heartbeat locks it and credits only the time after it, so lessons open side by side
count wall-clock time once.

Revision ID: 5c1d2e3f4a5b
Revises: c5d8e2a41f07
Create Date: 2026-12-03 14:25:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c1d2e3f4a5b'
down_revision = 'c5d8e2a41f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'study_clocks',
        sa.Column('employee_id', sa.Integer(), nullable=False),
        sa.Column('credited_until', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['employee_id'], ['employees.id'], name=op.f('fk_study_clocks_employee_id_employees')
        ),
        sa.PrimaryKeyConstraint('employee_id', name=op.f('pk_study_clocks')),
    )


def downgrade():
    op.drop_table('study_clocks')
