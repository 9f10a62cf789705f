"""Who may see and change regions, enterprises, employees and the record of PII exports."""

from sqlalchemy import false, select, true

from app.orgs.models import Employee, Enterprise, PiiExport, Region
from app.roles import ADMIN_ROLES, Role
from app.security import Action, Policy, may, register, role_of


def region_enterprise_ids(region_id: int | None):
    """The ids of a region's enterprises, as a subquery."""
    return select(Enterprise.id).where(Enterprise.region_id == region_id)


class RegionPolicy(Policy):
    """Everyone sees the regions."""

    def visible(self, user):
        return true()

    def in_scope(self, user, obj) -> bool:
        return True


class EnterprisePolicy(Policy):
    """The province sees every enterprise, a city its region's, an enterprise itself."""

    def visible(self, user):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            return Enterprise.region_id == user.region_id
        if role in (Role.ENTERPRISE_ADMIN, Role.TRAINEE):
            return Enterprise.id == user.enterprise_id
        return false()

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return obj.region_id == user.region_id
        return role in (Role.ENTERPRISE_ADMIN, Role.TRAINEE) and obj.id == user.enterprise_id

    def permits(self, user, action, obj) -> bool:
        role = role_of(user)
        if action is Action.MANAGE:
            return role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
        if action is Action.MANAGE_ROSTER:
            return role in ADMIN_ROLES and obj.active
        if action is Action.EXPORT_ID_NUMBERS:
            # The enterprise holds its own staff's data; the province collects it for
            # certification. City associations only ever see masked numbers.
            return role in (Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN)
        return False


class EmployeePolicy(Policy):
    """An employee is seen where their enterprise is managed; a trainee sees themselves."""

    def visible(self, user):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            return Employee.enterprise_id.in_(region_enterprise_ids(user.region_id))
        if role is Role.ENTERPRISE_ADMIN:
            return Employee.enterprise_id == user.enterprise_id
        if role is Role.TRAINEE:
            return Employee.id == user.employee_id
        return false()

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return obj.enterprise.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return obj.enterprise_id == user.enterprise_id
        return role is Role.TRAINEE and obj.id == user.employee_id

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            return may(user, Action.MANAGE_ROSTER, obj.enterprise)
        return False


class EnterpriseRecordPolicy(Policy):
    """Records an enterprise holds (plans, the export log, …): read by the province, the
    enterprise's city and the enterprise's own admins; never by trainees.

    A package's policy for such a model subclasses this and names the model.
    """

    model: type

    def visible(self, user):
        role = role_of(user)
        column = self.model.enterprise_id
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            return column.in_(region_enterprise_ids(user.region_id))
        if role is Role.ENTERPRISE_ADMIN:
            return column == user.enterprise_id
        return false()

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return obj.enterprise is not None and obj.enterprise.region_id == user.region_id
        return role is Role.ENTERPRISE_ADMIN and obj.enterprise_id == user.enterprise_id


class PiiExportPolicy(EnterpriseRecordPolicy):
    """The record of unmasked exports is read where the enterprise is managed."""

    model = PiiExport


def register_policies() -> None:
    """Give `app.security` the rules of this package's models."""
    register(Region, RegionPolicy())
    register(Enterprise, EnterprisePolicy())
    register(Employee, EmployeePolicy())
    register(PiiExport, PiiExportPolicy())
