"""The policy: who may see and change what (role × scope).

Every view and API endpoint asks here; none decides on its own. This module keeps the
vocabulary (actions, roles, the 404-not-403 rule) and dispatches by model class to the
`Policy` its package registered (`register`, called from the package's `init_app`), so the
core imports no domain package and each package keeps its rules beside its models.

Two forms of the same rule live side by side: `visible()` is a SQL condition for lists,
`in_scope()` answers for one object. The policy-matrix test checks that they always agree,
for every registered model.

A resource outside the caller's scope must look as if it did not exist (404); a resource
in scope that the caller may not change answers 403.
"""

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Any, Protocol

from flask import abort
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db
from app.roles import ADMIN_ROLES as ADMIN_ROLES  # re-exported: the policy's vocabulary
from app.roles import Role


class Action(StrEnum):
    VIEW = "view"
    MANAGE = "manage"  # edit, deactivate
    MANAGE_ROSTER = "manage_roster"  # add, edit, import employees of an enterprise
    EXPORT_ID_NUMBERS = "export_id_numbers"  # unmasked identity numbers
    TAKE = "take"  # answer and submit one's own attempt


class Principal(Protocol):
    """What the policy reads of the caller (an account, `app.auth.models.User`)."""

    id: int
    role: str
    region_id: int | None
    enterprise_id: int | None
    employee_id: int | None


def role_of(user: Principal) -> Role:
    """The caller's role."""
    return Role(user.role)


class Policy(ABC):
    """The access rules of one model, written by the package that owns the model."""

    @abstractmethod
    def visible(self, user: Principal) -> ColumnElement[bool]:
        """SQL condition selecting the rows `user` may see."""

    @abstractmethod
    def in_scope(self, user: Principal, obj: Any) -> bool:
        """Whether `user` may see `obj`; must agree with `visible`."""

    def permits(self, user: Principal, action: Action, obj: Any) -> bool:
        """Whether `user` may perform `action` (never VIEW) on `obj`, known to be in scope."""
        return False


_POLICIES: dict[type, Policy] = {}


def register(model: type, policy: Policy) -> None:
    """Make `policy` the rules of `model` (a package calls this in its `init_app`)."""
    _POLICIES[model] = policy


def registered_models() -> list[type]:
    """Every model that has a policy."""
    return list(_POLICIES)


def _policy(model: type, what: str) -> Policy:
    for cls in model.__mro__:
        policy = _POLICIES.get(cls)
        if policy is not None:
            return policy
    raise TypeError(f"no {what} rule for {model.__name__}")


def visible(user: Principal, model: type) -> ColumnElement[bool]:
    """SQL condition selecting the rows of `model` that `user` may see."""
    return _policy(model, "visibility").visible(user)


def in_scope(user: Principal, obj: Any) -> bool:
    """Whether `user` may see `obj` (the object form of `visible`)."""
    return _policy(type(obj), "scope").in_scope(user, obj)


def may(user: Principal, action: Action, obj: Any) -> bool:
    """Whether `user` may perform `action` on `obj`."""
    return in_scope(user, obj) and _permits(user, action, obj)


def _permits(user: Principal, action: Action, obj: Any) -> bool:
    """Whether `user` may perform `action` on `obj`, known to be in their scope."""
    if action is Action.VIEW:
        return True
    return _policy(type(obj), "permission").permits(user, action, obj)


def get_or_404(
    user: Principal, model: type, ident, action: Action = Action.VIEW, *, lock: bool = False
):
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


def require_role(user: Principal, *roles: Role) -> None:
    """Refuse (403) unless `user` has one of `roles`."""
    if role_of(user) not in roles:
        abort(403)
