"""assessment sign-offs: the chief assessor's sign-off of a part of a certification batch

Revision ID: 5b1f2c7d9e40
Revises: 985768042d8e
Create Date: 2026-12-04 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1f2c7d9e40'
down_revision = '985768042d8e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_signoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=16), nullable=False),
    sa.Column('signed_off_by_id', sa.Integer(), nullable=False),
    sa.Column('signed_off_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("part IN ('practical', 'review')", name=op.f('ck_assessment_signoffs_part')),
    sa.ForeignKeyConstraint(['batch_id'], ['certification_batches.id'], name=op.f('fk_assessment_signoffs_batch_id_certification_batches')),
    sa.ForeignKeyConstraint(['signed_off_by_id'], ['users.id'], name=op.f('fk_assessment_signoffs_signed_off_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_signoffs')),
    sa.UniqueConstraint('batch_id', 'part', name=op.f('uq_assessment_signoffs_batch_id'))
    )


def downgrade():
    op.drop_table('assessment_signoffs')
