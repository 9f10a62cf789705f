"""Training plans accept due dates in a sane range only, refused in Chinese, never a 500.

Issue 13, item 8: dates the pages accepted (`9999-12-31`) were stored and broke pages
later; a plan's due date is now bounded when it is created or changed.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.courses.models import TrainingPlan
from app.extensions import db
from tests.integration.page_helpers import page, submit
from tests.integration.test_plan_pages import TODAY, form, make_plan, w  # noqa: F401


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        ("9999-12-31", "截止日期不能晚于"),
        ((TODAY + timedelta(days=11 * 366)).isoformat(), "截止日期不能晚于"),
        ("10000-01-01", "不是有效的日期"),
        ("2026-02-30", "不是有效的日期"),
        ("0001-01-01", "截止日期不能早于今天"),
    ],
)
def test_a_new_plans_due_date_out_of_range_is_refused(client, login, w, due_on, message):  # noqa: F811
    login("ent_a")
    response = submit(client, "/plans/new", form(w, due_on=due_on))
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.scalar(select(func.count(TrainingPlan.id))) == 0


@pytest.mark.parametrize(
    ("due_on", "message"),
    [("9999-12-31", "截止日期不能晚于"), ("0001-01-01", "截止日期不能早于")],
)
def test_an_edited_plans_due_date_out_of_range_is_refused(client, login, w, due_on, message):  # noqa: F811
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    login("ent_a")
    response = submit(client, f"/plans/{plan.id}/edit", form(w, due_on=due_on))
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.get(TrainingPlan, plan.id).due_on == TODAY + timedelta(days=10)


def test_a_past_due_date_kept_on_edit_is_still_accepted(client, login, w):  # noqa: F811
    plan = make_plan(w, due_on=TODAY - timedelta(days=5))
    login("ent_a")
    response = submit(client, f"/plans/{plan.id}/edit", form(w, due_on=plan.due_on.isoformat()))
    assert response.status_code == 302
    assert db.session.get(TrainingPlan, plan.id).due_on == TODAY - timedelta(days=5)
