"""The policy: who may see and change what (role × scope).

Every view and API endpoint asks here; none decides on its own. Two forms of the same
rule live side by side: `visible()` is a SQL condition for lists, `in_scope()` answers for
one object. The policy-matrix test checks that they always agree.

A resource outside the caller's scope must look as if it did not exist (404); a resource
in scope that the caller may not change answers 403.
"""

from enum import StrEnum

from flask import abort
from sqlalchemy import false, select, true
from sqlalchemy.sql.elements import ColumnElement

from app.auth.models import Role, User
from app.courses.models import PUBLISHED, Course, TrainingPlan
from app.extensions import db
from app.law_trainings.models import LawTraining
from app.orgs.models import Employee, Enterprise, PiiExport, Region
from exams.models import Attempt, Exam, ExamCandidate
from question_bank.models import PROVINCIAL_BANK, Question, enterprise_bank


class Action(StrEnum):
    VIEW = "view"
    MANAGE = "manage"  # edit, deactivate
    MANAGE_ROSTER = "manage_roster"  # add, edit, import employees of an enterprise
    EXPORT_ID_NUMBERS = "export_id_numbers"  # unmasked identity numbers
    TAKE = "take"  # answer and submit one's own attempt


ADMIN_ROLES = {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN}

# Which roles each role may create accounts for (within its own scope).
_CREATABLE = {
    Role.PROVINCE_ADMIN: [
        Role.PROVINCE_ADMIN,
        Role.CITY_ADMIN,
        Role.ENTERPRISE_ADMIN,
        Role.TRAINEE,
    ],
    Role.CITY_ADMIN: [Role.ENTERPRISE_ADMIN, Role.TRAINEE],
    Role.ENTERPRISE_ADMIN: [Role.TRAINEE],
}


def _role(user: User) -> Role:
    return Role(user.role)


def owned_bank(user: User) -> str | None:
    """The question bank `user` owns: the provincial one, or their enterprise's own."""
    role = _role(user)
    if role is Role.PROVINCE_ADMIN:
        return PROVINCIAL_BANK
    if role is Role.ENTERPRISE_ADMIN and user.enterprise_id:
        return enterprise_bank(user.enterprise_id)
    return None


def readable_banks(user: User) -> list[str]:
    """Banks `user` may browse: city and enterprise admins read the provincial bank too
    (without answers), to prepare their trainings."""
    role = _role(user)
    banks = [PROVINCIAL_BANK] if role in ADMIN_ROLES else []
    own = owned_bank(user)
    if own and own not in banks:
        banks.append(own)
    return banks


def _region_enterprise_ids(region_id: int | None):
    return select(Enterprise.id).where(Enterprise.region_id == region_id)


def visible(user: User, model) -> ColumnElement[bool]:
    """SQL condition selecting the rows of `model` that `user` may see."""
    role = _role(user)
    if model is Region or model is LawTraining:
        return true()  # law trainings are public events
    if model is Course:
        return true() if role is Role.PROVINCE_ADMIN else Course.status == PUBLISHED
    if model is Question:
        banks = readable_banks(user)
        return Question.bank.in_(banks) if banks else false()
    if model is Exam:
        return (Exam.bank == owned_bank(user)) | Exam.id.in_(
            select(ExamCandidate.exam_id).where(ExamCandidate.employee_id == user.employee_id)
        )
    if model is Attempt:
        owned = select(Exam.id).where(Exam.bank == owned_bank(user))
        return (Attempt.employee_id == user.employee_id) | Attempt.exam_id.in_(owned)
    if role is Role.PROVINCE_ADMIN:
        return true()
    if model is Enterprise:
        if role is Role.CITY_ADMIN:
            return Enterprise.region_id == user.region_id
        if role in (Role.ENTERPRISE_ADMIN, Role.TRAINEE):
            return Enterprise.id == user.enterprise_id
        return false()
    if model is Employee:
        if role is Role.CITY_ADMIN:
            return Employee.enterprise_id.in_(_region_enterprise_ids(user.region_id))
        if role is Role.ENTERPRISE_ADMIN:
            return Employee.enterprise_id == user.enterprise_id
        if role is Role.TRAINEE:
            return Employee.id == user.employee_id
        return false()
    if model is User:
        if role is Role.CITY_ADMIN:
            return User.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return User.enterprise_id == user.enterprise_id
        return User.id == user.id
    if model is PiiExport:
        if role is Role.CITY_ADMIN:
            return PiiExport.enterprise_id.in_(_region_enterprise_ids(user.region_id))
        if role is Role.ENTERPRISE_ADMIN:
            return PiiExport.enterprise_id == user.enterprise_id
        return false()
    if model is TrainingPlan:
        if role is Role.CITY_ADMIN:
            return TrainingPlan.enterprise_id.in_(_region_enterprise_ids(user.region_id))
        if role is Role.ENTERPRISE_ADMIN:
            return TrainingPlan.enterprise_id == user.enterprise_id
        return false()
    raise TypeError(f"no visibility rule for {model.__name__}")


def in_scope(user: User, obj) -> bool:
    """Whether `user` may see `obj` (the object form of `visible`)."""
    role = _role(user)
    if isinstance(obj, Question):
        return obj.bank in readable_banks(user)
    if isinstance(obj, Exam):
        return obj.bank == owned_bank(user) or (
            user.employee_id is not None
            and db.session.scalar(
                select(ExamCandidate.id).where(
                    ExamCandidate.exam_id == obj.id, ExamCandidate.employee_id == user.employee_id
                )
            )
            is not None
        )
    if isinstance(obj, Attempt):
        return (user.employee_id is not None and obj.employee_id == user.employee_id) or (
            obj.exam.bank == owned_bank(user)
        )
    if isinstance(obj, Course):
        return role is Role.PROVINCE_ADMIN or obj.status == PUBLISHED
    if isinstance(obj, (Region, LawTraining)) or role is Role.PROVINCE_ADMIN:
        return True
    if isinstance(obj, Enterprise):
        if role is Role.CITY_ADMIN:
            return obj.region_id == user.region_id
        return role in (Role.ENTERPRISE_ADMIN, Role.TRAINEE) and obj.id == user.enterprise_id
    if isinstance(obj, Employee):
        if role is Role.CITY_ADMIN:
            return obj.enterprise.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return obj.enterprise_id == user.enterprise_id
        return role is Role.TRAINEE and obj.id == user.employee_id
    if isinstance(obj, User):
        if role is Role.CITY_ADMIN:
            return obj.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return obj.enterprise_id == user.enterprise_id
        return obj.id == user.id
    if isinstance(obj, PiiExport):
        if role is Role.CITY_ADMIN:
            return obj.enterprise is not None and obj.enterprise.region_id == user.region_id
        return role is Role.ENTERPRISE_ADMIN and obj.enterprise_id == user.enterprise_id
    if isinstance(obj, TrainingPlan):
        if role is Role.CITY_ADMIN:
            return obj.enterprise.region_id == user.region_id
        return role is Role.ENTERPRISE_ADMIN and obj.enterprise_id == user.enterprise_id
    raise TypeError(f"no scope rule for {type(obj).__name__}")


def may(user: User, action: Action, obj) -> bool:
    """Whether `user` may perform `action` on `obj`."""
    return in_scope(user, obj) and _permits(user, action, obj)


def _permits(user: User, action: Action, obj) -> bool:
    """Whether `user` may perform `action` on `obj`, known to be in their scope."""
    if action is Action.VIEW:
        return True
    role = _role(user)
    if isinstance(obj, Enterprise):
        if action is Action.MANAGE:
            return role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
        if action is Action.MANAGE_ROSTER:
            return role in ADMIN_ROLES and obj.active
        if action is Action.EXPORT_ID_NUMBERS:
            # The enterprise holds its own staff's data; the province collects it for
            # certification. City associations only ever see masked numbers.
            return role in (Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN)
    if isinstance(obj, Exam) and action is Action.MANAGE:
        return obj.bank == owned_bank(user)  # the bank's owners set, proctor and grade exams
    if isinstance(obj, Attempt):
        if action is Action.MANAGE:
            return obj.exam.bank == owned_bank(user)
        if action is Action.TAKE:
            return user.employee_id is not None and obj.employee_id == user.employee_id
    if isinstance(obj, Course) and action is Action.MANAGE:
        return role is Role.PROVINCE_ADMIN  # the catalogue is the province's
    if isinstance(obj, TrainingPlan) and action is Action.MANAGE:
        return role is Role.ENTERPRISE_ADMIN  # the enterprise plans; associations watch
    if isinstance(obj, LawTraining) and action is Action.MANAGE:
        return role is Role.PROVINCE_ADMIN or (
            role is Role.CITY_ADMIN and obj.region_id == user.region_id
        )
    if isinstance(obj, Question) and action is Action.MANAGE:
        return obj.bank == owned_bank(user)  # owners edit, retire and see answers
    if isinstance(obj, Employee) and action is Action.MANAGE:
        return may(user, Action.MANAGE_ROSTER, obj.enterprise)
    if isinstance(obj, User) and action is Action.MANAGE:
        if obj.id == user.id:
            return False  # nobody deactivates or resets themselves from the admin pages
        return Role(obj.role) in _CREATABLE.get(role, [])
    return False


def creatable_roles(user: User) -> list[Role]:
    """The roles `user` may create accounts for."""
    return list(_CREATABLE.get(_role(user), []))


def may_create_account(
    user: User, role: Role, *, region: Region | None = None, enterprise: Enterprise | None = None
) -> bool:
    """Whether `user` may create an account of `role` attached to `region`/`enterprise`."""
    if role not in creatable_roles(user):
        return False
    if role is Role.PROVINCE_ADMIN:
        return True
    if role is Role.CITY_ADMIN:
        return region is not None and in_scope(user, region)
    return enterprise is not None and may(user, Action.MANAGE_ROSTER, enterprise)


def get_or_404(user: User, model, ident, action: Action = Action.VIEW, *, lock: bool = False):
    """Load `model` by id for `user`: 404 when out of scope, 403 when `action` is refused.

    `lock` holds the row (SELECT … FOR UPDATE where the database has it) until the
    transaction ends, so that two requests changing the same object run one after the other.
    """
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.get(model, ident, with_for_update=lock or None)
    if obj is None or not in_scope(user, obj):
        abort(404)
    if not _permits(user, action, obj):
        abort(403)
    return obj


def require_role(user: User, *roles: Role) -> None:
    """Refuse (403) unless `user` has one of `roles`."""
    if _role(user) not in roles:
        abort(403)
