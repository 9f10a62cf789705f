"""Two issuers at once never draw the same number (PostgreSQL: row locks on the serials)."""

import threading

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from certificates import issuing
from certificates.models import Certificate, CertificationBatch
from tests.integration.certificate_issuing_helpers import (  # noqa: F401 (a fixture)
    published_batch,
    signed_stub,
)
from tests.integration.test_certificate_issuing import TODAY


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's; SQLite serialises every write anyway")


def _all_at_once(app, calls):
    """Run each call in a thread of its own with its own app context (and session), all
    released together; answers their results (or the exception each raised)."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            barrier.wait()
            try:
                answers[index] = call()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported to the test)
                db.session.rollback()
                answers[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_batches_issued_at_once_get_distinct_consecutive_numbers(app, signed):
    worlds = [published_batch(passed=40, failed=0, title=f"批次{n}") for n in range(2)]
    ids = [(w.batch.id, w.province.id) for w in worlds]

    def issue(batch_id, user_id):
        return lambda: issuing.issue_batch(
            db.session.get(CertificationBatch, batch_id),
            db.session.get(User, user_id),
            TODAY,
        )

    answers = _all_at_once(app, [issue(*pair) for pair in ids])
    assert answers == [40, 40]
    db.session.expire_all()
    certificates = db.session.scalars(select(Certificate)).all()
    numbers = [c.number for c in certificates]
    assert len(set(numbers)) == 80
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 81))
    assert sorted(c.status_index for c in certificates) == list(range(1, 81))
    # Each batch drew one block of serials: the UPDATE held the row until its commit.
    for world in worlds:
        serials = sorted(int(c.number[-6:]) for c in certificates if c.batch_id == world.batch.id)
        assert serials == list(range(serials[0], serials[0] + 40))


def test_many_draws_at_once_on_a_new_prefix_never_overlap(app):
    prefix = "S000001130001269"

    def draw():
        return issuing.allocate(prefix, 25)

    answers = _all_at_once(app, [draw] * 8)
    assert all(isinstance(a, int) for a in answers), answers
    assert sorted(answers) == list(range(0, 200, 25))
