"""Who sees certification batches, their candidates and the certificates issued.

- The provincial admin sees and runs everything (batches, results, issuing, revocation).
- City and enterprise admins see every batch (registration is open province-wide); of the
  candidates and certificates, a city admin sees their region's, an enterprise admin their
  enterprise's. An enterprise admin registers their own employees (MANAGE_ROSTER on a batch).
- An assessor (a judge or chief judge appointed to a batch, `Assessor`) sees that batch and
  its candidates, by ticket number only.
- A trainee sees the batches they are a candidate in, their own candidacy and certificates.

Actions: MANAGE is running a batch (set-up, results, issuing) and revoking a certificate.
"""

from sqlalchemy import exists, false, select, true

from app.roles import Role
from app.security import Action, Policy, register, role_of
from certificates.models import Assessor, Certificate, CertificationBatch, CertificationCandidate


def _assessor_of(user):
    """SQL: the batches `user` is appointed to assess."""
    return select(Assessor.batch_id).where(Assessor.user_id == user.id)


class BatchPolicy(Policy):
    def visible(self, user):
        role = role_of(user)
        if role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN):
            return true()
        if role in (Role.JUDGE, Role.CHIEF_JUDGE):
            return CertificationBatch.id.in_(_assessor_of(user))
        if role is Role.TRAINEE and user.employee_id is not None:
            return exists().where(
                CertificationCandidate.batch_id == CertificationBatch.id,
                CertificationCandidate.employee_id == user.employee_id,
            )
        return false()

    def in_scope(self, user, batch):
        from app.extensions import db

        return bool(
            db.session.scalar(
                select(CertificationBatch.id).where(
                    CertificationBatch.id == batch.id, self.visible(user)
                )
            )
        )

    def permits(self, user, action, batch):
        role = role_of(user)
        if action is Action.MANAGE:
            return role is Role.PROVINCE_ADMIN
        if action is Action.MANAGE_ROSTER:
            return role in (Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN)
        return False


class CandidatePolicy(Policy):
    def visible(self, user):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            return CertificationCandidate.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return CertificationCandidate.enterprise_id == user.enterprise_id
        if role in (Role.JUDGE, Role.CHIEF_JUDGE):
            return CertificationCandidate.batch_id.in_(_assessor_of(user))
        if role is Role.TRAINEE and user.employee_id is not None:
            return CertificationCandidate.employee_id == user.employee_id
        return false()

    def in_scope(self, user, candidate):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return candidate.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return candidate.enterprise_id == user.enterprise_id
        if role in (Role.JUDGE, Role.CHIEF_JUDGE):
            from app.extensions import db

            return bool(
                db.session.scalar(
                    select(Assessor.id).where(
                        Assessor.batch_id == candidate.batch_id, Assessor.user_id == user.id
                    )
                )
            )
        if role is Role.TRAINEE:
            return user.employee_id is not None and candidate.employee_id == user.employee_id
        return False

    def permits(self, user, action, candidate):
        role = role_of(user)
        if action in (Action.MANAGE, Action.MANAGE_ROSTER):
            return role in (Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN)
        return False


class CertificatePolicy(Policy):
    def visible(self, user):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return true()
        if role is Role.CITY_ADMIN:
            return Certificate.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return Certificate.enterprise_id == user.enterprise_id
        if role is Role.TRAINEE and user.employee_id is not None:
            return Certificate.employee_id == user.employee_id
        return false()

    def in_scope(self, user, certificate):
        role = role_of(user)
        if role is Role.PROVINCE_ADMIN:
            return True
        if role is Role.CITY_ADMIN:
            return certificate.region_id == user.region_id
        if role is Role.ENTERPRISE_ADMIN:
            return certificate.enterprise_id == user.enterprise_id
        if role is Role.TRAINEE:
            return user.employee_id is not None and certificate.employee_id == user.employee_id
        return False

    def permits(self, user, action, certificate):
        if action is Action.MANAGE:  # revoke
            return role_of(user) is Role.PROVINCE_ADMIN
        return False


def register_policies() -> None:
    register(CertificationBatch, BatchPolicy())
    register(CertificationCandidate, CandidatePolicy())
    register(Certificate, CertificatePolicy())
