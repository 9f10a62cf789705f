"""Who may see, run and take exams and attempts."""

from sqlalchemy import false, select

from app.extensions import db
from app.orgs.models import Employee
from app.roles import Role
from app.security import Action, Policy, register, role_of
from app.security import visible as visible_rows
from exams.models import Attempt, AttemptQuestion, Exam, ExamCandidate
from question_bank.images import grant_image_access
from question_bank.models import QuestionVersion
from question_bank.policy import owned_bank


class ExamPolicy(Policy):
    """An exam is seen by its bank's owners, who run it, and by its candidates."""

    def visible(self, user):
        return (Exam.bank == owned_bank(user)) | Exam.id.in_(
            select(ExamCandidate.exam_id).where(ExamCandidate.employee_id == user.employee_id)
        )

    def in_scope(self, user, obj) -> bool:
        return obj.bank == owned_bank(user) or (
            user.employee_id is not None
            and db.session.scalar(
                select(ExamCandidate.id).where(
                    ExamCandidate.exam_id == obj.id, ExamCandidate.employee_id == user.employee_id
                )
            )
            is not None
        )

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            return obj.bank == owned_bank(user)  # the bank's owners set, proctor and grade exams
        return False


class AttemptPolicy(Policy):
    """An attempt is taken by its candidate and managed by the exam's owners."""

    def visible(self, user):
        owned = select(Exam.id).where(Exam.bank == owned_bank(user))
        return (Attempt.employee_id == user.employee_id) | Attempt.exam_id.in_(owned)

    def in_scope(self, user, obj) -> bool:
        return (user.employee_id is not None and obj.employee_id == user.employee_id) or (
            obj.exam.bank == owned_bank(user)
        )

    def permits(self, user, action, obj) -> bool:
        if action is Action.MANAGE:
            return obj.exam.bank == owned_bank(user)
        if action is Action.TAKE:
            return user.employee_id is not None and obj.employee_id == user.employee_id
        return False


# Who reads the results of the exams their scope's people sat, read-only (成绩查询): a city
# association, for its region's enterprises' employees. The exam's owners have its own pages.
RESULT_READERS = frozenset({Role.CITY_ADMIN})


def reads_results(user) -> bool:
    """Whether `user` has the read-only results pages (a city association)."""
    return role_of(user) in RESULT_READERS


def results_scope(user, employee_id):
    """SQL condition on `employee_id` (a column): the candidates whose results `user` reads —
    the employees in their scope (a city: its region's enterprises'); none for others."""
    if not reads_results(user):
        return false()
    return employee_id.in_(select(Employee.id).where(visible_rows(user, Employee)))


def candidate_sees_image(user, name: str) -> bool:
    """A candidate sees the stem images of the papers of their own attempts."""
    on_paper = (
        select(AttemptQuestion.id)
        .join(Attempt, AttemptQuestion.attempt_id == Attempt.id)
        .join(QuestionVersion, AttemptQuestion.version_id == QuestionVersion.id)
        .where(Attempt.user_id == user.id, QuestionVersion.image == name)
        .limit(1)
    )
    return db.session.scalar(on_paper) is not None


def register_policies() -> None:
    """Give `app.security` the rules of exams and attempts."""
    register(Exam, ExamPolicy())
    register(Attempt, AttemptPolicy())
    grant_image_access(candidate_sees_image)
