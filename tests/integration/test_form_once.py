"""Every form that creates something is taken once (app.form_once)."""

import re
import threading

import pytest
from sqlalchemy import func, select

from app.auth.forms import AccountForm, TraineeAccountForm
from app.courses.catalogue_forms import ChapterForm, CourseForm, LessonForm
from app.courses.plan_forms import EvaluationForm, PlanForm
from app.extensions import db
from app.form_once import FormSubmission, OnceForm, claim
from app.law_trainings.forms import TrainingForm
from app.orgs.forms import EmployeeForm, EnterpriseForm, ExternalCertificateForm
from certificates import batch_forms
from certificates.assessment_views import RulingForm
from certificates.views import IssueForm, PromotionForm
from competitions.forms import CompetitionForm, EventForm, ItemForm
from competitions.results_views import AppealForm
from exams.forms import ExamForm
from question_bank.forms import ConfirmImportForm, QuestionForm

CREATE_FORMS = [
    AccountForm,
    TraineeAccountForm,
    TrainingForm,
    EnterpriseForm,
    EmployeeForm,
    ExternalCertificateForm,
    CourseForm,
    ChapterForm,
    LessonForm,
    PlanForm,
    EvaluationForm,
    ExamForm,
    QuestionForm,
    ConfirmImportForm,
    CompetitionForm,
    EventForm,
    ItemForm,
    AppealForm,
    batch_forms.BatchForm,
    batch_forms.ItemForm,
    batch_forms.AssessorForm,
    batch_forms.RegisterForm,
    batch_forms.CancelForm,
    RulingForm,
    IssueForm,
    PromotionForm,
]


@pytest.mark.parametrize("form_class", CREATE_FORMS, ids=lambda c: c.__name__)
def test_each_create_form_is_taken_once(form_class):
    assert issubclass(form_class, OnceForm)


def test_a_token_is_claimed_once(app):
    assert claim("t-1") is True
    assert claim("t-1") is False
    db.session.commit()
    assert claim("t-1") is False
    assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1


def test_each_render_carries_a_new_token(app):
    form = EnterpriseForm(meta={"csrf": False})
    first, second = form.once(), form.once()
    token = re.compile(r'value="([^"]+)"')
    assert token.search(first).group(1) != token.search(second).group(1)


@pytest.fixture
def admin_pages(client, make, login):
    from app.auth.models import Role

    region = make.region()
    enterprise = make.enterprise(region)
    login(make.user(Role.PROVINCE_ADMIN).username)
    return enterprise


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/new",
        "/competitions/new",
        "/courses/manage/new",
        "/exams/manage/new",
        "/law-trainings/new",
        "/enterprises/new",
        "/enterprises/{enterprise}/employees/new",
        "/question-bank/questions/new",
    ],
)
def test_create_pages_carry_the_token(client, admin_pages, url):
    response = client.get(url.format(enterprise=admin_pages.id))
    assert response.status_code == 200
    assert 'name="once"' in response.get_data(as_text=True)


def test_two_requests_racing_with_one_token_create_once(app):
    """On PostgreSQL the unique key makes the second insert wait, then fail."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every write anyway")
    db.session.commit()  # the test's own session holds no lock
    results = []

    def attempt():
        with app.app_context():
            try:
                results.append(claim("race-token"))
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
