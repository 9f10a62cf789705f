"""Who may see and manage public law trainings."""

from sqlalchemy import true

from app.law_trainings.models import LawTraining
from app.roles import Role
from app.security import Action, Policy, register, role_of


class LawTrainingPolicy(Policy):
    """Law trainings are public events, run by the province or the region's city."""

    def visible(self, user):
        return true()

    def in_scope(self, user, obj) -> bool:
        return True

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            role = role_of(user)
            return role is Role.PROVINCE_ADMIN or (
                role is Role.CITY_ADMIN and obj.region_id == user.region_id
            )
        return False


def register_policies() -> None:
    """Give `app.security` the rules of law trainings."""
    register(LawTraining, LawTrainingPolicy())
