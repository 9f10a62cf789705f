"""Law-training operations: events, sign-ups, check-in and the yearly coverage of regions."""

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict
from app.extensions import db
from app.form_errors import field_error
from app.law_trainings import rules
from app.law_trainings.models import (
    AUDIENCE_TYPES,
    CANCELLED,
    LawTraining,
    LawTrainingSignup,
)
from app.orgs.models import Region
from app.pii import keyed_digest
from app.timeutil import local_today, utcnow


def signups_of(training_id: int) -> list[LawTrainingSignup]:
    """The event's sign-ups in the order they came."""
    return list(
        db.session.scalars(
            select(LawTrainingSignup)
            .where(LawTrainingSignup.training_id == training_id)
            .order_by(LawTrainingSignup.created_at, LawTrainingSignup.id)
        )
    )


def signed_up_count(training_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(LawTrainingSignup.training_id == training_id)
    )


def refusal(training: LawTraining, today: date | None = None) -> str | None:
    return rules.signup_refusal(
        status=training.status,
        signup_open=training.signup_open,
        held_on=training.held_on,
        today=today or local_today(),
        capacity=training.capacity,
        signed_up=signed_up_count(training.id),
    )


def state(training: LawTraining, signed_up: int, today: date | None = None) -> str:
    return rules.state_label(
        status=training.status,
        signup_open=training.signup_open,
        held_on=training.held_on,
        today=today or local_today(),
        full=signed_up >= training.capacity,
    )


def save_training(training: LawTraining, **fields) -> LawTraining:
    """Create or update an event; raises `Invalid` (field errors) before writing."""
    fields["starts_at"] = rules.check_start_time(fields["starts_at"])
    held_on = fields.get("held_on", training.held_on)
    if held_on != training.held_on or training.id is None:  # edits keep an old event's date
        rules.check_held_on(held_on, local_today())
    fields["topic"] = fields["topic"].strip()
    fields["place"] = fields["place"].strip()
    fields["speakers"] = (fields.get("speakers") or "").strip()
    fields["description"] = (fields.get("description") or "").strip()
    types = [t for t in AUDIENCE_TYPES if t in (fields.get("audience_types") or [])]
    if not types:
        raise field_error("audience_types", "请至少选择一类面向人员")
    fields["audience_types"] = types
    if training.id is not None:
        taken = signed_up_count(training.id)
        if fields["capacity"] < taken:
            raise field_error("capacity", f"已有 {taken} 人报名，名额不能少于 {taken}")
    for key, value in fields.items():
        setattr(training, key, value)
    db.session.add(training)
    db.session.flush()
    return training


def cancel(training: LawTraining) -> None:
    training.status = CANCELLED
    training.signup_open = False
    db.session.flush()


def set_signup_open(training: LawTraining, is_open: bool) -> None:
    if training.status == CANCELLED and is_open:
        raise Conflict("已取消的培训不能再开放报名")
    training.signup_open = is_open
    db.session.flush()


def phone_taken(training_id: int, phone: str) -> bool:
    return (
        db.session.scalar(
            select(LawTrainingSignup.id).where(
                LawTrainingSignup.training_id == training_id, LawTrainingSignup.phone == phone
            )
        )
        is not None
    )


def lookup_key(phone: str, id_tail: str) -> str:
    """What a sign-up keeps to recognise its person again: a keyed hash, never the digits."""
    return keyed_digest("law-training-lookup", f"{phone}:{id_tail}")


def sign_up(
    training_id: int,
    *,
    name: str,
    phone: str,
    id_tail: str,
    audience_type: str,
    organisation: str,
) -> LawTrainingSignup | None:
    """Sign a person up. Checks every field first, then the event under a row lock.

    Raises `Invalid` for a field and `Conflict` when the event refuses sign-ups (closed,
    full). A phone that has signed up already changes nothing and answers None: the public
    form answers both the same way, so it never says whether a phone is registered.
    """
    training = db.session.get(LawTraining, training_id, with_for_update=True)
    name = rules.check_name(name)
    phone = rules.check_phone(phone)
    id_tail = rules.check_id_tail(id_tail)
    audience_type = rules.check_audience(audience_type, training.audience_types)
    organisation = rules.check_organisation(audience_type, organisation)
    reason = refusal(training)
    if reason:
        raise Conflict(reason)
    if phone_taken(training_id, phone):
        return None
    signup = LawTrainingSignup(
        training_id=training_id,
        name=name,
        phone=phone,
        audience_type=audience_type,
        organisation=organisation,
        token=secrets.token_hex(16),
        lookup_key=lookup_key(phone, id_tail),
    )
    try:
        with db.session.begin_nested():
            db.session.add(signup)
    except IntegrityError:  # a simultaneous sign-up with the same phone won the race
        return None
    return signup


def find_signup(training_id: int, phone: str, name: str, id_tail: str) -> LawTrainingSignup | None:
    """A person's own sign-up: phone, name and the last 4 of the identity number all match.

    Every miss (no such phone, another name, other digits, a sign-up from before the digits
    were asked, input that is no phone at all) answers None after the same work, so that
    neither the answer nor its time says which part did not match.
    """
    try:
        phone = rules.normalise_phone(phone)
        id_tail = rules.check_id_tail(id_tail)
    except Exception:  # noqa: BLE001 - any odd input simply finds nothing
        phone, id_tail = "", ""
    expected = lookup_key(phone, id_tail)
    signup = db.session.scalar(
        select(LawTrainingSignup).where(
            LawTrainingSignup.training_id == training_id, LawTrainingSignup.phone == phone
        )
    )
    stored = (signup.lookup_key if signup else None) or ""
    same_key = hmac.compare_digest(stored.encode(), expected.encode())
    if signup is None or not same_key or signup.name != rules.normalise_name(name):
        return None
    return signup


def token_from_code(code: str) -> str:
    """The token from a scanned check-in URL or a typed/pasted code."""
    code = (code or "").strip().rstrip("/")
    return code.rsplit("/", 1)[-1].strip().lower()


@dataclass
class CheckinResult:
    signup: LawTrainingSignup
    already: bool


def check_in(signup: LawTrainingSignup, user_id: int, today: date | None = None) -> CheckinResult:
    """Check a person in; refused (`Conflict`) before the training's day or when cancelled."""
    training = db.session.get(LawTraining, signup.training_id)
    refusal = rules.checkin_refusal(
        status=training.status, held_on=training.held_on, today=today or local_today()
    )
    if refusal:
        raise Conflict(refusal)
    if signup.checked_in_at is not None:
        return CheckinResult(signup, already=True)
    signup.checked_in_at = utcnow()
    signup.checked_in_by_id = user_id
    db.session.flush()
    return CheckinResult(signup, already=False)


def undo_check_in(signup: LawTrainingSignup) -> None:
    signup.checked_in_at = None
    signup.checked_in_by_id = None
    db.session.flush()


def audience_counts(training_id: int) -> dict[str, dict[str, int]]:
    """Per audience type: signed up and checked in."""
    rows = db.session.execute(
        select(
            LawTrainingSignup.audience_type,
            func.count(),
            func.count(LawTrainingSignup.checked_in_at),
        )
        .where(LawTrainingSignup.training_id == training_id)
        .group_by(LawTrainingSignup.audience_type)
    ).all()
    return {t: {"signups": s, "attendees": a} for t, s, a in rows}


@dataclass
class RegionCoverage:
    region: Region
    trainings: int = 0
    held: int = 0
    signups: int = 0
    attendees: int = 0
    by_audience: dict[str, int] = field(default_factory=dict)

    @property
    def planned(self) -> int:
        """Events of the year still to come (not cancelled, not yet held)."""
        return self.trainings - self.held

    @property
    def status(self) -> str:
        return rules.coverage_status(trainings=self.trainings, held=self.held)


def coverage(year: int, today: date | None = None) -> list[RegionCoverage]:
    """For each region (in order): the year's non-cancelled events, held, sign-ups, attendees.

    A fixed number of queries (regions, events per region, the year's event ids, sign-ups
    grouped per event and audience) over the (held_on, region_id) and training_id indexes,
    whatever the number of events.
    """
    today = today or local_today()
    start, end = date(year, 1, 1), date(year, 12, 31)
    regions = db.session.scalars(select(Region).order_by(Region.sort_order, Region.id)).all()
    rows = {r.id: RegionCoverage(r) for r in regions}
    in_year = (
        LawTraining.held_on.between(start, end),
        LawTraining.status != CANCELLED,
    )
    events = db.session.execute(
        select(
            LawTraining.region_id,
            func.count(),
            func.sum(case((LawTraining.held_on <= today, 1), else_=0)),
        )
        .where(*in_year)
        .group_by(LawTraining.region_id)
    ).all()
    for region_id, count, held in events:
        if region_id in rows:
            rows[region_id].trainings, rows[region_id].held = count, int(held or 0)
    # Sign-ups of the year's events, grouped per event first (the training_id index), then
    # summed per region here: cheaper than joining every sign-up to its event.
    region_of = dict(
        db.session.execute(select(LawTraining.id, LawTraining.region_id).where(*in_year)).all()
    )
    people = db.session.execute(
        select(
            LawTrainingSignup.training_id,
            LawTrainingSignup.audience_type,
            func.count(),
            func.count(LawTrainingSignup.checked_in_at),
        )
        .where(
            LawTrainingSignup.training_id.in_(
                select(LawTraining.id).where(*in_year).scalar_subquery()
            )
        )
        .group_by(LawTrainingSignup.training_id, LawTrainingSignup.audience_type)
    ).all()
    for training_id, audience, signups, attendees in people:
        row = rows.get(region_of.get(training_id))
        if row is None:
            continue
        row.signups += signups
        row.attendees += attendees
        row.by_audience[audience] = row.by_audience.get(audience, 0) + attendees
    return list(rows.values())


def coverage_json(year: int, today: date | None = None) -> dict:
    rows = coverage(year, today)
    return {
        "year": year,
        "regions": [
            {
                "region": r.region.name,
                "region_code": r.region.code,
                "trainings": r.trainings,
                "held": r.held,
                "planned": r.planned,
                "status": r.status,
                "signups": r.signups,
                "attendees": r.attendees,
                "by_audience": {t: r.by_audience.get(t, 0) for t in AUDIENCE_TYPES},
            }
            for r in rows
        ],
        "missing": [r.region.name for r in rows if r.trainings == 0],
        # Regions with an event planned but none held yet: not yet covered either.
        "not_held": [r.region.name for r in rows if r.trainings and not r.held],
    }
