"""Refusals that concern who is on a roster: recorded and rate-limited per user.

A duplicate check is an oracle: asked often enough, it tells which of the ~1,800 numbers a
masked identity number hides is the real one. `roster_clash` already answers a caller who
may not see full numbers from the masked number only; on top of that, every refusal is
recorded (who, when, how many numbers, from where) in the record of PII exports and in the
log, and each user may be refused only `ID_NUMBER_CLASH_LIMITS` times (then 429).
"""

from contextlib import contextmanager

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.extensions import db, limiter
from app.orgs.models import Enterprise, PiiExport
from app.orgs.services import IdNumberClash

DEFAULT_LIMITS = "20 per hour;100 per day"


def _limits() -> str:
    return current_app.config.get("ID_NUMBER_CLASH_LIMITS", DEFAULT_LIMITS)


def _per_user() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _refused_for_a_clash(response) -> bool:
    return bool(g.get("id_number_clash"))


# One budget shared by every way of asking (API, pages, roster files): only refusals count.
clash_limit = limiter.shared_limit(
    _limits, scope="id-number-clash", key_func=_per_user, deduct_when=_refused_for_a_clash
)


@contextmanager
def clashes_recorded(enterprise: Enterprise, channel: str):
    """Record an `IdNumberClash` raised inside (then re-raise it, unchanged)."""
    try:
        yield
    except IdNumberClash as clash:
        _record(enterprise, channel, clash.rows)
        raise


def _record(enterprise: Enterprise, channel: str, rows: int) -> None:
    g.id_number_clash = True
    user_id, username = current_user.id, current_user.username
    name, enterprise_id = enterprise.name, enterprise.id
    remote_addr = (request.remote_addr or "")[:64]
    current_app.logger.warning(
        "identity numbers refused as on the roster: user=%s enterprise=%s rows=%s via=%s addr=%s",
        username,
        enterprise_id,
        rows,
        channel,
        remote_addr,
    )
    db.session.rollback()  # nothing of the refused request is kept but its record
    db.session.add(
        PiiExport(
            user_id=user_id,
            enterprise_id=enterprise_id,
            what=f"身份证号查重被拒（{channel}）：{name}"[:128],
            row_count=rows,
            remote_addr=remote_addr,
        )
    )
    db.session.commit()  # the record of a refused probe must survive the 422 answered next
