"""attempts keep their marks per question

Revision ID: 6106dc52d452
Revises: 76d0d10a072c
Create Date: 2026-11-29 05:21:57.674212

Marks move from every answer row (attempt_answers.score) to one list per attempt
(attempts.question_scores, in the paper's order): grading then writes one row per attempt.
Attempts already graded keep their marks; a question left unanswered counts 0.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6106dc52d452'
down_revision = '76d0d10a072c'
branch_labels = None
depends_on = None

attempts = sa.table(
    "attempts",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("question_scores", sa.JSON),
)
papers = sa.table(
    "attempt_questions",
    sa.column("attempt_id", sa.Integer),
    sa.column("question_id", sa.Integer),
    sa.column("position", sa.Integer),
)
answers = sa.table(
    "attempt_answers",
    sa.column("attempt_id", sa.Integer),
    sa.column("question_id", sa.Integer),
    sa.column("score", sa.Integer),
)


def _graded_marks(bind) -> dict[int, list[int]]:
    """attempt id → marks in paper order, from the answer rows of submitted attempts."""
    rows = bind.execute(
        sa.select(papers.c.attempt_id, papers.c.position, answers.c.score)
        .select_from(papers)
        .join(attempts, attempts.c.id == papers.c.attempt_id)
        .outerjoin(
            answers,
            (answers.c.attempt_id == papers.c.attempt_id)
            & (answers.c.question_id == papers.c.question_id),
        )
        .where(attempts.c.status == "submitted")
        .order_by(papers.c.attempt_id, papers.c.position)
    )
    marks: dict[int, list[int]] = {}
    for attempt_id, _position, score in rows:
        marks.setdefault(attempt_id, []).append(score or 0)
    return marks


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_scores', sa.JSON(), nullable=True))

    bind = op.get_bind()
    for attempt_id, marks in _graded_marks(bind).items():
        bind.execute(
            attempts.update().where(attempts.c.id == attempt_id).values(question_scores=marks)
        )

    with op.batch_alter_table('attempt_answers', schema=None) as batch_op:
        batch_op.drop_column('score')


def downgrade():
    with op.batch_alter_table('attempt_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score', sa.INTEGER(), nullable=True))

    bind = op.get_bind()
    graded = bind.execute(
        sa.select(attempts.c.id, attempts.c.question_scores).where(
            attempts.c.question_scores.is_not(None)
        )
    ).all()
    for attempt_id, marks in graded:
        order = bind.execute(
            sa.select(papers.c.question_id)
            .where(papers.c.attempt_id == attempt_id)
            .order_by(papers.c.position)
        ).scalars()
        for question_id, score in zip(order, marks):
            bind.execute(
                answers.update()
                .where(answers.c.attempt_id == attempt_id, answers.c.question_id == question_id)
                .values(score=score)
            )

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('question_scores')
