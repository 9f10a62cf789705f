"""Who may see and change courses and enterprise training plans."""

from sqlalchemy import true

from app.courses.models import PUBLISHED, Course, TrainingPlan
from app.orgs.policy import EnterpriseRecordPolicy
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


class TrainingPlanPolicy(EnterpriseRecordPolicy):
    """The enterprise plans for itself; its city watches; the province sees all."""

    model = TrainingPlan

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:  # the enterprise plans; associations watch
            return role_of(user) is Role.ENTERPRISE_ADMIN
        return False


def register_policies() -> None:
    """Give `app.security` the rules of this package's models."""
    register(Course, CoursePolicy())
    register(TrainingPlan, TrainingPlanPolicy())
