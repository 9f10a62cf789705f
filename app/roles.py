"""Roles: the vocabulary of the policy, spoken by the core and by every package.

Standard library only, so that the core (`app.security`, `app.web`) can name roles without
importing the accounts package.
"""

from enum import StrEnum


class Role(StrEnum):
    PROVINCE_ADMIN = "province_admin"
    CITY_ADMIN = "city_admin"
    ENTERPRISE_ADMIN = "enterprise_admin"
    TRAINEE = "trainee"
    JUDGE = "judge"
    CHIEF_JUDGE = "chief_judge"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PROVINCE_ADMIN: "省协会管理员",
    Role.CITY_ADMIN: "市协会管理员",
    Role.ENTERPRISE_ADMIN: "企业管理员",
    Role.TRAINEE: "学员",
    Role.JUDGE: "裁判/考评员",
    Role.CHIEF_JUDGE: "裁判长",
}

ADMIN_ROLES = {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN}
