"""statuses as check constraints

Statuses, kinds and reasons were free strings: the database now refuses a value the code
never writes, and an attempt has `submitted_at` exactly when it is submitted. Existing rows
are checked first: a row that breaks a constraint stops the upgrade with the table and the
bad values, so that it can be put right by hand before the constraint is added.

The values are written out here (a migration is a snapshot); the models take them from the
code's constants.

Revision ID: 416197cf85ec
Revises: a7c3e1f2b9d4
Create Date: 2026-12-03 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '416197cf85ec'
down_revision = 'a7c3e1f2b9d4'
branch_labels = None
depends_on = None

POSTS = ('cleaning', 'customer_service', 'greening', 'maintenance', 'other', 'project_manager',
         'security')
QUESTION_TYPES = ('fill', 'multiple', 'single', 'true_false')


def _one_of(column, values):
    listed = ', '.join(f"'{value}'" for value in sorted(values))
    return column, f'{column} IN ({listed})'


# table → [(column or columns shown when a row breaks it, constraint name, condition)]
CHECKS = {
    'users': [_one_of('role', ('chief_judge', 'city_admin', 'enterprise_admin', 'judge',
                               'province_admin', 'trainee'))],
    'employees': [_one_of('post', POSTS)],
    'external_certificates': [_one_of('post', POSTS)],
    'questions': [
        _one_of('status', ('active', 'retired')),
        _one_of('type', QUESTION_TYPES),
        _one_of('difficulty', ('easy', 'hard', 'medium')),
    ],
    'question_versions': [_one_of('type', QUESTION_TYPES)],
    'exams': [
        _one_of('scoring', ('best', 'last')),
        _one_of('partial_credit', ('fixed', 'none', 'proportional')),
        _one_of('review', ('answers', 'score')),
    ],
    'attempts': [
        _one_of('status', ('in_progress', 'submitted')),
        _one_of('submit_reason', ('deadline', 'leave_limit', 'manual', 'proctor')),
        (
            'submitted_at_when_submitted',
            "(status = 'submitted' AND submitted_at IS NOT NULL)"
            " OR (status <> 'submitted' AND submitted_at IS NULL)",
        ),
    ],
    'courses': [
        _one_of('status', ('archived', 'draft', 'published')),
        _one_of('category', ('finance', 'law', 'other', 'post', 'standard')),
    ],
    'course_lessons': [_one_of('kind', ('link', 'pdf', 'text', 'video'))],
    'law_trainings': [_one_of('status', ('cancelled', 'scheduled'))],
    'law_training_signups': [
        _one_of('audience_type', ('community', 'judge', 'lawyer', 'owner', 'practitioner'))
    ],
}
# What a broken row is shown by, when the constraint's name is not a column.
SHOWN_BY = {'submitted_at_when_submitted': "status || ' / submitted_at ' || "
            "CASE WHEN submitted_at IS NULL THEN 'empty' ELSE 'set' END"}


def _problems():
    """Every (table, constraint, bad value, rows) that the constraints would refuse."""
    connection = op.get_bind()
    found = []
    for table, checks in CHECKS.items():
        for name, condition in checks:
            shown = SHOWN_BY.get(name, name)
            rows = connection.execute(sa.text(
                f'SELECT {shown}, COUNT(*) FROM {table} WHERE NOT ({condition}) GROUP BY {shown}'
            ))
            found += [(table, name, value, count) for value, count in rows]
    return found


def upgrade():
    problems = _problems()
    if problems:
        listed = '\n'.join(
            f'  {table}.{name}: {value!r} in {count} row(s)'
            for table, name, value, count in problems
        )
        raise RuntimeError(
            'Rows break the new CHECK constraints; correct them, then upgrade again:\n' + listed
        )
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), condition)


def downgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _condition in checks:
                batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
