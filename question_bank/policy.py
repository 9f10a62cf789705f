"""Who may browse and edit which question bank."""

from sqlalchemy import false

from app.roles import ADMIN_ROLES, Role
from app.security import Action, Policy, Principal, register, role_of
from question_bank.models import PROVINCIAL_BANK, Question, enterprise_bank


def owned_bank(user: Principal) -> str | None:
    """The question bank `user` owns: the provincial one, or their enterprise's own."""
    role = role_of(user)
    if role is Role.PROVINCE_ADMIN:
        return PROVINCIAL_BANK
    if role is Role.ENTERPRISE_ADMIN and user.enterprise_id:
        return enterprise_bank(user.enterprise_id)
    return None


def readable_banks(user: Principal) -> list[str]:
    """Banks `user` may browse: city and enterprise admins read the provincial bank too
    (without answers), to prepare their trainings."""
    role = role_of(user)
    banks = [PROVINCIAL_BANK] if role in ADMIN_ROLES else []
    own = owned_bank(user)
    if own and own not in banks:
        banks.append(own)
    return banks


class QuestionPolicy(Policy):
    """A question is read in the banks one may browse and edited by the bank's owners."""

    def visible(self, user):
        banks = readable_banks(user)
        return Question.bank.in_(banks) if banks else false()

    def in_scope(self, user, obj) -> bool:
        return obj.bank in readable_banks(user)

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            return obj.bank == owned_bank(user)  # owners edit, retire and see answers
        return False


def register_policies() -> None:
    """Give `app.security` the rules of questions."""
    register(Question, QuestionPolicy())
