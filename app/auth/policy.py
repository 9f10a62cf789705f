"""Who may see and manage accounts, and create accounts of which roles."""

from sqlalchemy import true

from app.auth.models import User
from app.orgs.models import Enterprise, Region
from app.roles import Role
from app.security import Action, Policy, in_scope, may, register, role_of

# Which roles each role may create accounts for (within its own scope).
_CREATABLE = {
    Role.PROVINCE_ADMIN: [
        Role.PROVINCE_ADMIN,
        Role.CITY_ADMIN,
        Role.ENTERPRISE_ADMIN,
        Role.TRAINEE,
        Role.JUDGE,
        Role.CHIEF_JUDGE,
    ],
    # A city association appoints the judges of its own preliminaries.
    Role.CITY_ADMIN: [Role.ENTERPRISE_ADMIN, Role.TRAINEE, Role.JUDGE, Role.CHIEF_JUDGE],
    Role.ENTERPRISE_ADMIN: [Role.TRAINEE],
}


class UserPolicy(Policy):
    """Admins see the accounts of their scope; everyone else only their own."""

    def visible(self, user):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            return User.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return User.enterprise_id == user.enterprise_id
        return User.id == user.id

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return obj.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return obj.enterprise_id == user.enterprise_id
        return obj.id == user.id

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            if obj.id == user.id:
                return False  # nobody deactivates or resets themselves from the admin pages
            return Role(obj.role) in _CREATABLE.get(role_of(user), [])
        return False


def creatable_roles(user: User) -> list[Role]:
    """The roles `user` may create accounts for."""
    return list(_CREATABLE.get(role_of(user), []))


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
    if role in (Role.JUDGE, Role.CHIEF_JUDGE):
        return _may_appoint_judge(user, region=region, enterprise=enterprise)
    return enterprise is not None and may(user, Action.MANAGE_ROSTER, enterprise)


def _may_appoint_judge(user: User, *, region: Region | None, enterprise: Enterprise | None) -> bool:
    # A judge may work for an enterprise (what the conflict rule reads) or for none. The
    # province appoints anywhere; a city association only judges of its own region.
    if enterprise is not None and not in_scope(user, enterprise):
        return False
    if role_of(user) is Role.CITY_ADMIN:
        home = enterprise.region_id if enterprise is not None else (region.id if region else None)
        return home == user.region_id
    return region is None or enterprise is None or enterprise.region_id == region.id


def register_policies() -> None:
    """Give `app.security` the rules of accounts."""
    register(User, UserPolicy())
