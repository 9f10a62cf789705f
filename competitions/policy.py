"""Who sees and runs competitions, their events and their contestants.

- The provincial admin sees everything and runs the finals (and may run any preliminary).
- A city admin sees the finals and their region's preliminaries, and runs the latter; of a
  final's contestants they see their region's.
- An enterprise admin sees their in-house contests (and runs them) and every competition
  their enterprise may enter (the finals, their region's preliminaries); of the contestants,
  only their own enterprise's.
- A judge sees the events they are assigned to; a chief judge the events they lead. Both see
  those events' contestants, which pages and the API show by number only (`shows_names`).
- Trainees see none of it here.

Actions: MANAGE is running an event (its rubric, judges, the draw, check-in); MANAGE_ROSTER
is entering contestants (an enterprise admin enters their staff in a preliminary of their
region or their own contest; finals are entered by sending contestants on, or by the province).
"""

from sqlalchemy import and_, false, or_, select, true

from app.roles import ADMIN_ROLES, Role
from app.security import Action, Policy, register, role_of
from competitions.models import (
    REGISTRATION,
    Competition,
    CompetitionEvent,
    Contestant,
    JudgeAssignment,
)

JUDGE_ROLES = (Role.JUDGE, Role.CHIEF_JUDGE)


# Competitions --------------------------------------------------------------------------------


def _competition_condition(user):
    """SQL: the competitions `user` sees as an admin (None for a judge or a trainee)."""
    role = role_of(user)
    if role is Role.PROVINCE_ADMIN:
        return true()
    final = Competition.stage == "final"
    region_preliminary = and_(
        Competition.stage == "preliminary", Competition.region_id == user.region_id
    )
    if role is Role.CITY_ADMIN:
        return or_(final, region_preliminary)
    if role is Role.ENTERPRISE_ADMIN:
        own_contest = and_(
            Competition.stage == "in_house", Competition.enterprise_id == user.enterprise_id
        )
        return or_(final, region_preliminary, own_contest)
    return None


def _admin_sees(user, competition: Competition) -> bool:
    role = role_of(user)
    if role is Role.PROVINCE_ADMIN:
        return True
    if competition.stage == "final":
        return role in (Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)
    if competition.stage == "preliminary":
        return (
            role in (Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)
            and competition.region_id is not None
            and competition.region_id == user.region_id
        )
    return role is Role.ENTERPRISE_ADMIN and competition.enterprise_id == user.enterprise_id


def _judged_event_ids(user):
    """SQL: the events `user` judges or leads."""
    assigned = select(JudgeAssignment.event_id).where(JudgeAssignment.user_id == user.id)
    led = CompetitionEvent.chief_judge_id == user.id
    if role_of(user) is Role.CHIEF_JUDGE:
        undesignated = CompetitionEvent.chief_judge_id.is_(None)
        if user.region_id is not None:
            undesignated = undesignated & CompetitionEvent.competition_id.in_(
                select(Competition.id).where(Competition.region_id == user.region_id)
            )
        led = or_(led, undesignated)
    return assigned.union(select(CompetitionEvent.id).where(led))


def _judges_event(user, event: CompetitionEvent) -> bool:
    if leads(user, event):
        return True
    from app.extensions import db

    found = db.session.scalar(
        select(JudgeAssignment.id)
        .where(JudgeAssignment.event_id == event.id, JudgeAssignment.user_id == user.id)
        .limit(1)
    )
    return found is not None


def organises(user, competition: Competition) -> bool:
    """Whether `user` runs `competition` (its events, rubrics, judges, draw)."""
    role = role_of(user)
    if role is Role.PROVINCE_ADMIN:
        return competition.stage in ("final", "preliminary")
    if role is Role.CITY_ADMIN:
        return competition.stage == "preliminary" and competition.region_id == user.region_id
    if role is Role.ENTERPRISE_ADMIN:
        return competition.stage == "in_house" and competition.enterprise_id == user.enterprise_id
    return False


def enters(user, competition: Competition) -> bool:
    """Whether `user` may enter contestants in `competition`'s events."""
    if organises(user, competition):
        return True
    role = role_of(user)
    # An enterprise enters its own staff in its region's preliminary.
    return (
        role is Role.ENTERPRISE_ADMIN
        and competition.stage == "preliminary"
        and competition.region_id == user.region_id
    )


def leads(user, event: CompetitionEvent) -> bool:
    """Whether `user` is the event's chief judge.

    Once the organiser names one, only they are. Until then the event is led by the chief
    judges of its scope (an account of no region: any event; of a region: that region's
    competitions), so that a competition set up without naming one can still be ruled on and
    signed off.
    """
    if event.chief_judge_id is not None:
        return event.chief_judge_id == user.id
    return (
        role_of(user) is Role.CHIEF_JUDGE
        and user.is_active
        and (user.region_id is None or event.competition.region_id == user.region_id)
    )


def shows_names(user, event: CompetitionEvent) -> bool:
    """Whether `user` may see contestants' names (admins); judges know numbers only."""
    return role_of(user) in ADMIN_ROLES


class CompetitionPolicy(Policy):
    """Admins see by stage and region; judges the competitions of the events they judge."""

    def visible(self, user):
        condition = _competition_condition(user)
        if condition is not None:
            return condition
        if role_of(user) in JUDGE_ROLES:
            return Competition.id.in_(
                select(CompetitionEvent.competition_id).where(
                    CompetitionEvent.id.in_(_judged_event_ids(user))
                )
            )
        return false()

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role in ADMIN_ROLES:
            return _admin_sees(user, obj)
        if role in JUDGE_ROLES:
            return any(_judges_event(user, event) for event in obj.events)
        return False

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            return organises(user, obj)
        if action is Action.MANAGE_ROSTER:
            return enters(user, obj)
        return False


class EventPolicy(Policy):
    """An event is seen with its competition, by judges only when they judge it."""

    def visible(self, user):
        condition = _competition_condition(user)
        if condition is not None:
            return CompetitionEvent.competition_id.in_(select(Competition.id).where(condition))
        if role_of(user) in JUDGE_ROLES:
            return CompetitionEvent.id.in_(_judged_event_ids(user))
        return false()

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role in ADMIN_ROLES:
            return _admin_sees(user, obj.competition)
        if role in JUDGE_ROLES:
            return _judges_event(user, obj)
        return False

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            return organises(user, obj.competition)
        if action is Action.MANAGE_ROSTER:
            return obj.status == REGISTRATION and enters(user, obj.competition)
        return False


class ContestantPolicy(Policy):
    """The province sees every contestant, a city its region's, an enterprise its own staff;
    judges the contestants of the events they judge (by number)."""

    def visible(self, user):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            events = select(CompetitionEvent.id).where(EventPolicy().visible(user))
            return and_(Contestant.region_id == user.region_id, Contestant.event_id.in_(events))
        if role is Role.ENTERPRISE_ADMIN:
            return Contestant.enterprise_id == user.enterprise_id
        if role in JUDGE_ROLES:
            return Contestant.event_id.in_(_judged_event_ids(user))
        return false()

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return obj.region_id == user.region_id and _admin_sees(user, obj.event.competition)
        if role is Role.ENTERPRISE_ADMIN:
            return obj.enterprise_id == user.enterprise_id
        if role in JUDGE_ROLES:
            return _judges_event(user, obj.event)
        return False

    def permits(self, user, action, obj) -> bool:
        # Check-in and time used are recorded by whoever runs the event, or its chief judge.
        if action is Action.MANAGE:
            return organises(user, obj.event.competition) or leads(user, obj.event)
        return False


def register_policies() -> None:
    """Give `app.security` the rules of competitions, events and contestants."""
    register(Competition, CompetitionPolicy())
    register(CompetitionEvent, EventPolicy())
    register(Contestant, ContestantPolicy())
