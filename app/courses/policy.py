"""Who may see and change courses and enterprise training plans."""

from sqlalchemy import false, true

from app.courses.models import PUBLISHED, Course, TrainingPlan
from app.orgs.policy import region_enterprise_ids
from app.roles import Role
from app.security import Action, Policy, register, role_of


class CoursePolicy(Policy):
    """Everyone sees the published catalogue; the province, which writes it, sees all."""

    def visible(self, user):
        return true() if role_of(user) is Role.PROVINCE_ADMIN else Course.status == PUBLISHED

    def in_scope(self, user, obj) -> bool:
        return role_of(user) is Role.PROVINCE_ADMIN or obj.status == PUBLISHED

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            return role_of(user) is Role.PROVINCE_ADMIN  # the catalogue is the province's
        return False


class TrainingPlanPolicy(Policy):
    """The enterprise plans for itself; its city watches; the province sees all."""

    def visible(self, user):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            return TrainingPlan.enterprise_id.in_(region_enterprise_ids(user.region_id))
        if role is Role.ENTERPRISE_ADMIN:
            return TrainingPlan.enterprise_id == user.enterprise_id
        return false()

    def in_scope(self, user, obj) -> bool:
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return obj.enterprise.region_id == user.region_id
        return role is Role.ENTERPRISE_ADMIN and obj.enterprise_id == user.enterprise_id

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:  # the enterprise plans; associations watch
            return role_of(user) is Role.ENTERPRISE_ADMIN
        return False


def register_policies() -> None:
    """Give `app.security` the rules of this package's models."""
    register(Course, CoursePolicy())
    register(TrainingPlan, TrainingPlanPolicy())
