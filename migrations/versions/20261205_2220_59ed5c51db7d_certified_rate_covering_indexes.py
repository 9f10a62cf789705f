"""certified-on-duty rate: covering indexes for its counts

Earlier duty periods by end date (people hired again), and the certificates issued here by
holder with the columns the rate reads, so neither count touches a table's rows.

Revision ID: 59ed5c51db7d
Revises: 5c4e5bc8af08
Create Date: 2026-12-05 22:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '59ed5c51db7d'
down_revision = '5c4e5bc8af08'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('duty_periods', schema=None) as batch_op:
        batch_op.create_index('ix_duty_periods_ended_on', ['ended_on', 'started_on', 'employee_id'], unique=False)
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_rate', ['employee_id', 'occupation', 'issued_on', 'revoked_on'], unique=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_rate')
    with op.batch_alter_table('duty_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_duty_periods_ended_on')
