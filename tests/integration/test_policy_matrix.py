"""The policy, role by role, against every scoped resource.

The SQL form (`visible`) and the object form (`in_scope`) of each rule must agree for every
model that registered a policy, and
the API must answer 404 for what is out of scope and 403 for what is in scope but refused.
"""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.courses.models import DRAFT, PUBLISHED, Course, TrainingPlan
from app.extensions import db
from app.law_trainings.models import LawTraining
from app.orgs.models import Employee, Enterprise, PiiExport, Region
from app.security import Action, in_scope, may, registered_models, visible
from certificates.models import Assessor
from competitions.models import Competition, CompetitionEvent, Contestant, JudgeAssignment
from exams.models import Attempt, Exam, ExamCandidate
from question_bank.models import PROVINCIAL_BANK, Question, enterprise_bank
from question_bank.policy import owned_bank
from question_bank.services import ensure_bank
from tests import factories

ROLES = ["province", "city_a", "city_b", "ent_a", "ent_b", "trainee_a", "judge"]


@pytest.fixture
def world(make):
    region_a, region_b = make.region("甲市"), make.region("乙市")
    ent_a, ent_b = make.enterprise(region_a), make.enterprise(region_b)
    emp_a, emp_a2 = make.employee(ent_a), make.employee(ent_a, name="李四")
    emp_b = make.employee(ent_b, name="王五")
    users = {
        "province": make.user(Role.PROVINCE_ADMIN),
        "city_a": make.user(Role.CITY_ADMIN, region=region_a),
        "city_b": make.user(Role.CITY_ADMIN, region=region_b),
        "ent_a": make.user(Role.ENTERPRISE_ADMIN, enterprise=ent_a),
        "ent_b": make.user(Role.ENTERPRISE_ADMIN, enterprise=ent_b),
        "trainee_a": make.user(Role.TRAINEE, employee=emp_a),
        "judge": make.user(Role.JUDGE),
    }
    for enterprise in (ent_a, ent_b):
        db.session.add(
            PiiExport(
                user_id=users["province"].id,
                enterprise_id=enterprise.id,
                what="花名册",
                row_count=1,
            )
        )
    db.session.commit()
    return {
        "users": users,
        "ent_a": ent_a,
        "ent_b": ent_b,
        "emp_a": emp_a,
        "emp_a2": emp_a2,
        "emp_b": emp_b,
    }


@pytest.fixture
def every_model(world):
    """The world with rows of every model that has a policy, inside and outside each scope."""
    ent_a, ent_b = world["ent_a"], world["ent_b"]
    users = world["users"]
    db.session.add_all(
        [
            Course(title="已发布", category="post", status=PUBLISHED, required_seconds=3600),
            Course(title="草稿", category="post", status=DRAFT),
        ]
    )
    for enterprise in (ent_a, ent_b):
        db.session.add(
            LawTraining(
                region_id=enterprise.region_id,
                topic="普法",
                held_on=date(2026, 6, 1),
                place="会场",
                capacity=10,
                audience_types=["owner"],
            )
        )
    banks = [PROVINCIAL_BANK, enterprise_bank(ent_a.id), enterprise_bank(ent_b.id)]
    # Each bank's exam admits one employee: A's own trainee, A's other employee, B's.
    candidates = [world["emp_a2"], world["emp_a"], world["emp_b"]]
    opens = datetime(2026, 6, 1, 1, 0)
    for n, (bank, employee) in enumerate(zip(banks, candidates, strict=True)):
        enterprise = ent_b if employee is world["emp_b"] else ent_a
        db.session.add(
            TrainingPlan(enterprise_id=enterprise.id, title=f"计划{n}", due_on=opens.date())
        )
        ensure_bank(bank)
        db.session.add(
            Question(bank=bank, type="single", difficulty="easy", stem_search="题", signature="s")
        )
        exam = Exam(
            title=f"考试{n}",
            bank=bank,
            opens_at=opens,
            closes_at=opens + timedelta(days=1),
            time_limit_seconds=3600,
            pass_score=6000,
        )
        db.session.add(exam)
        db.session.flush()
        db.session.add(ExamCandidate(exam_id=exam.id, employee_id=employee.id))
        db.session.add(
            Attempt(
                exam_id=exam.id,
                employee_id=employee.id,
                user_id=users["province"].id,
                seed=n,
                deadline=opens + timedelta(hours=1),
            )
        )
    _competitions(world)
    _certification(world)
    db.session.commit()
    return world


def _certification(world) -> None:
    """Two batches: the first with A's and B's staff (certificates issued to both), the second
    with A's other employee, assessed by `judge`."""
    first = factories.certification_batch()
    second = factories.certification_batch(title="电工三级认定", occupation="电工", level=3)
    factories.certification_candidate(first, world["emp_a"])
    factories.certification_candidate(first, world["emp_b"])
    factories.certification_candidate(second, world["emp_a2"])
    db.session.add(Assessor(batch_id=second.id, user_id=world["users"]["judge"].id))
    factories.certificate(world["emp_a"], batch_id=first.id)
    factories.certificate(world["emp_b"], batch_id=first.id)


def _competitions(world) -> None:
    """A final (A's and B's staff), region A's preliminary (judged by `judge`) and A's own
    in-house contest, one event each."""
    ent_a, ent_b = world["ent_a"], world["ent_b"]
    competitions = {
        "final": Competition(title="决赛", stage="final"),
        "preliminary": Competition(
            title="甲市预赛", stage="preliminary", region_id=ent_a.region_id
        ),
        "in_house": Competition(title="甲比武", stage="in_house", enterprise_id=ent_a.id),
    }
    db.session.add_all(competitions.values())
    db.session.flush()
    events = {}
    for stage, competition in competitions.items():
        events[stage] = CompetitionEvent(competition_id=competition.id, name="电工")
        db.session.add(events[stage])
    db.session.flush()
    entries = [
        ("final", world["emp_a"], ent_a),
        ("final", world["emp_b"], ent_b),
        ("preliminary", world["emp_a2"], ent_a),
        ("in_house", world["emp_a"], ent_a),
    ]
    for stage, employee, enterprise in entries:
        db.session.add(
            Contestant(
                event_id=events[stage].id,
                employee_id=employee.id,
                enterprise_id=enterprise.id,
                region_id=enterprise.region_id,
            )
        )
    db.session.add(
        JudgeAssignment(event_id=events["preliminary"].id, user_id=world["users"]["judge"].id)
    )


@pytest.mark.parametrize("role", ROLES)
def test_sql_and_object_rules_agree_for_every_model(every_model, role):
    user = every_model["users"][role]
    models = registered_models()
    assert {Region, Enterprise, Employee, User, PiiExport, Question, Exam, Attempt} <= set(models)
    assert {Competition, CompetitionEvent, Contestant} <= set(models)
    for model in models:
        rows = list(db.session.scalars(select(model)))
        assert len(rows) >= 2, f"the world has no {model.__name__} rows to check: add some"
        by_sql = set(db.session.scalars(select(model.id).where(visible(user, model))))
        by_object = {obj.id for obj in rows if in_scope(user, obj)}
        assert by_sql == by_object, model.__name__


# role → what they see of each bank's exam: (province's, A's, B's)
EXAMS = {
    "province": (True, False, False),
    "city_a": (False, False, False),
    "city_b": (False, False, False),
    "ent_a": (False, True, False),
    "ent_b": (False, False, True),
    "trainee_a": (False, True, False),  # a candidate of A's exam
    "judge": (False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_exams_are_seen_by_their_bank_owners_and_candidates(every_model, role):
    user = every_model["users"][role]
    exams = list(db.session.scalars(select(Exam).order_by(Exam.id)))
    assert tuple(in_scope(user, exam) for exam in exams) == EXAMS[role]
    # The owners run the exam and its attempts; the candidate takes their own attempt.
    for exam in exams:
        attempt = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)).one()
        owner = exam.bank == owned_bank(user)
        assert may(user, Action.MANAGE, exam) is owner
        assert may(user, Action.MANAGE, attempt) is owner
        takes = user.employee_id is not None and attempt.employee_id == user.employee_id
        assert may(user, Action.TAKE, attempt) is takes


def test_a_model_without_a_policy_is_refused(world):
    user = world["users"]["province"]
    with pytest.raises(TypeError):
        visible(user, ExamCandidate)
    with pytest.raises(TypeError):
        in_scope(user, ExamCandidate(exam_id=1, employee_id=1))


# role → (view, manage, manage roster, export id numbers) of enterprise A
ENTERPRISE_A = {
    "province": (True, True, True, True),
    "city_a": (True, True, True, False),
    "city_b": (False, False, False, False),
    "ent_a": (True, False, True, True),
    "ent_b": (False, False, False, False),
    "trainee_a": (True, False, False, False),
    "judge": (False, False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_actions_on_an_enterprise(world, role):
    user, ent_a = world["users"][role], world["ent_a"]
    actions = (Action.VIEW, Action.MANAGE, Action.MANAGE_ROSTER, Action.EXPORT_ID_NUMBERS)
    assert tuple(may(user, a, ent_a) for a in actions) == ENTERPRISE_A[role]


# role → (view, manage) of employee A (trainee_a's own record) and of A's other employee
EMPLOYEE_A = {
    "province": ((True, True), (True, True)),
    "city_a": ((True, True), (True, True)),
    "city_b": ((False, False), (False, False)),
    "ent_a": ((True, True), (True, True)),
    "ent_b": ((False, False), (False, False)),
    "trainee_a": ((True, False), (False, False)),
    "judge": ((False, False), (False, False)),
}


@pytest.mark.parametrize("role", ROLES)
def test_actions_on_employees(world, role):
    user = world["users"][role]
    own, other = EMPLOYEE_A[role]
    for employee, expected in ((world["emp_a"], own), (world["emp_a2"], other)):
        assert (may(user, Action.VIEW, employee), may(user, Action.MANAGE, employee)) == expected


def test_an_inactive_enterprise_roster_is_frozen(world):
    ent_a = world["ent_a"]
    ent_a.active = False
    for role in ("province", "city_a", "ent_a"):
        assert not may(world["users"][role], Action.MANAGE_ROSTER, ent_a)
        assert may(world["users"][role], Action.VIEW, ent_a)


def test_account_management_stays_below_the_role(world):
    users = world["users"]
    assert may(users["province"], Action.MANAGE, users["city_a"])
    assert may(users["city_a"], Action.MANAGE, users["ent_a"])
    assert may(users["city_a"], Action.MANAGE, users["trainee_a"])
    assert not may(users["city_a"], Action.MANAGE, users["ent_b"])  # other region: unseen
    assert not may(users["ent_a"], Action.MANAGE, users["city_a"])
    assert may(users["ent_a"], Action.MANAGE, users["trainee_a"])
    assert not may(users["trainee_a"], Action.MANAGE, users["trainee_a"])
    assert not may(users["province"], Action.MANAGE, users["province"])  # not oneself


def _status(client, login, user, method, url, **kwargs):
    token = login(user.username)
    return client.open(url, method=method, headers={"X-CSRFToken": token}, **kwargs).status_code


@pytest.mark.parametrize(
    ("role", "employee_status", "enterprise_status", "patch_status"),
    [
        ("province", 200, 200, 200),
        ("city_a", 200, 200, 200),
        ("city_b", 404, 404, 404),
        ("ent_a", 200, 200, 403),
        ("ent_b", 404, 404, 404),
        ("trainee_a", 200, 200, 403),
        ("judge", 404, 404, 404),
    ],
)
def test_the_api_answers_404_out_of_scope_and_403_in_scope(
    client, login, world, role, employee_status, enterprise_status, patch_status
):
    user = world["users"][role]
    ent_a = world["ent_a"]
    assert _status(client, login, user, "GET", f"/api/v1/employees/{world['emp_a'].id}") == (
        employee_status
    )
    assert _status(client, login, user, "GET", f"/api/v1/enterprises/{ent_a.id}") == (
        enterprise_status
    )
    assert (
        _status(
            client,
            login,
            user,
            "PATCH",
            f"/api/v1/enterprises/{ent_a.id}",
            json={"contact_name": "赵六"},
        )
        == patch_status
    )


@pytest.mark.parametrize("role", ROLES)
def test_employee_lists_hold_only_what_is_in_scope(client, login, world, role):
    user = world["users"][role]
    login(user.username)
    body = client.get("/api/v1/employees?per_page=200").get_json()
    ids = {item["id"] for item in body["items"]}
    expected = {
        e.id for e in (world["emp_a"], world["emp_a2"], world["emp_b"]) if in_scope(user, e)
    }
    assert ids == expected
    assert body["total"] == len(expected)
    assert body["page"] == 1


# Training plans: the enterprise plans for itself; its city watches; the province sees all.
PLAN_EXPECTED = {
    # role: (sees plan of ent_a, sees plan of ent_b, manages plan of ent_a)
    "province": (True, True, False),
    "city_a": (True, False, False),
    "city_b": (False, True, False),
    "ent_a": (True, False, True),
    "ent_b": (False, True, False),
    "trainee_a": (False, False, False),
    "judge": (False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_training_plan_rules(world, role):
    from datetime import date

    from app.courses.models import TrainingPlan

    plans = {}
    for key in ("ent_a", "ent_b"):
        plan = TrainingPlan(
            enterprise_id=world[key].id, title=f"计划{key}", due_on=date(2030, 1, 1)
        )
        db.session.add(plan)
        plans[key] = plan
    db.session.commit()
    user = world["users"][role]
    by_sql = set(db.session.scalars(select(TrainingPlan.id).where(visible(user, TrainingPlan))))
    by_object = {p.id for p in plans.values() if in_scope(user, p)}
    assert by_sql == by_object
    sees_a, sees_b, manages_a = PLAN_EXPECTED[role]
    assert (plans["ent_a"].id in by_sql, plans["ent_b"].id in by_sql) == (sees_a, sees_b)
    assert may(user, Action.MANAGE, plans["ent_a"]) is manages_a
    assert may(user, Action.MANAGE, plans["ent_b"]) is (role == "ent_b")


# role → (view, manage) of a published and of a draft course (the catalogue is the province's)
COURSES = {
    "province": ((True, True), (True, True)),
    "city_a": ((True, False), (False, False)),
    "city_b": ((True, False), (False, False)),
    "ent_a": ((True, False), (False, False)),
    "ent_b": ((True, False), (False, False)),
    "trainee_a": ((True, False), (False, False)),
    "judge": ((True, False), (False, False)),
}


@pytest.mark.parametrize("role", ROLES)
def test_actions_on_courses(world, role):
    from app.courses.models import DRAFT, PUBLISHED, Course

    published = Course(title="已发布", category="post", status=PUBLISHED, required_seconds=3600)
    draft = Course(title="草稿", category="post", status=DRAFT)
    db.session.add_all([published, draft])
    db.session.commit()
    user = world["users"][role]
    for course, expected in zip((published, draft), COURSES[role], strict=True):
        assert (may(user, Action.VIEW, course), may(user, Action.MANAGE, course)) == expected
    by_sql = set(db.session.scalars(select(Course.id).where(visible(user, Course))))
    assert by_sql == {c.id for c in (published, draft) if in_scope(user, c)}


@pytest.mark.parametrize(
    ("role", "manages_a"),
    [
        ("province", True),
        ("city_a", True),
        ("city_b", False),
        ("ent_a", False),
        ("trainee_a", False),
        ("judge", False),
    ],
)
def test_law_trainings_are_public_and_managed_by_province_or_own_city(world, role, manages_a):
    from datetime import date

    from app.law_trainings.models import LawTraining

    user = world["users"][role]
    training = LawTraining(
        region_id=world["ent_a"].region_id,
        topic="普法",
        held_on=date(2026, 6, 1),
        place="甲市",
        capacity=10,
        audience_types=["owner"],
    )
    db.session.add(training)
    db.session.commit()
    by_sql = set(db.session.scalars(select(LawTraining.id).where(visible(user, LawTraining))))
    assert by_sql == {training.id} and in_scope(user, training)
    assert may(user, Action.VIEW, training)
    assert may(user, Action.MANAGE, training) is manages_a


# role → which competitions (final, region A's preliminary, A's in-house contest) they see,
# run (MANAGE) and enter contestants in (MANAGE_ROSTER); then the contestants they see:
# (A's in the final, B's in the final, A's in the preliminary, A's in the in-house contest).
COMPETITIONS = {
    "province": ((1, 1, 1), (1, 1, 0), (1, 1, 0), (1, 1, 1, 1)),
    "city_a": ((1, 1, 0), (0, 1, 0), (0, 1, 0), (1, 0, 1, 0)),
    "city_b": ((1, 0, 0), (0, 0, 0), (0, 0, 0), (0, 1, 0, 0)),
    "ent_a": ((1, 1, 1), (0, 0, 1), (0, 1, 1), (1, 0, 1, 1)),
    "ent_b": ((1, 0, 0), (0, 0, 0), (0, 0, 0), (0, 1, 0, 0)),
    "trainee_a": ((0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0, 0)),
    "judge": ((0, 1, 0), (0, 0, 0), (0, 0, 0), (0, 0, 1, 0)),
}


@pytest.mark.parametrize("role", ROLES)
def test_competitions_by_stage_region_and_assignment(every_model, role):
    user = every_model["users"][role]
    competitions = list(db.session.scalars(select(Competition).order_by(Competition.id)))
    sees, runs, enters, contestants = COMPETITIONS[role]
    assert tuple(int(in_scope(user, c)) for c in competitions) == sees
    assert tuple(int(may(user, Action.MANAGE, c)) for c in competitions) == runs
    assert tuple(int(may(user, Action.MANAGE_ROSTER, c)) for c in competitions) == enters
    # An event is seen, run and entered with its competition.
    for competition in competitions:
        event = competition.events[0]
        assert in_scope(user, event) is in_scope(user, competition)
        assert may(user, Action.MANAGE, event) is may(user, Action.MANAGE, competition)
        assert may(user, Action.MANAGE_ROSTER, event) is may(
            user, Action.MANAGE_ROSTER, competition
        )
    entries = db.session.scalars(select(Contestant).order_by(Contestant.id))
    assert tuple(int(in_scope(user, c)) for c in entries) == contestants


def test_a_chief_judge_sees_the_events_they_lead(every_model, make):
    chief, other = make.user(Role.CHIEF_JUDGE), make.user(Role.CHIEF_JUDGE)
    events = list(db.session.scalars(select(CompetitionEvent).order_by(CompetitionEvent.id)))
    # Until the organiser names one, every chief judge of the scope leads an event.
    assert all(in_scope(chief, event) for event in events)
    for event in events:
        event.chief_judge_id = other.id
    db.session.commit()
    final = events[0]
    assert not in_scope(chief, final)
    final.chief_judge_id = chief.id
    db.session.commit()
    assert in_scope(chief, final) and in_scope(chief, final.competition)
    assert set(
        db.session.scalars(select(CompetitionEvent.id).where(visible(chief, CompetitionEvent)))
    ) == {final.id}
    assert not may(chief, Action.MANAGE, final)  # leads the judging, does not run the event


# role → whose exam results they read on the results pages (成绩查询), of the attempts of
# (A's other employee at the province's exam, A's trainee at A's exam, B's employee at B's):
# a city reads its region's people's, whoever set the exam; nobody else has these pages.
EXAM_RESULTS = {
    "province": (False, False, False),
    "city_a": (True, True, False),
    "city_b": (False, False, True),
    "ent_a": (False, False, False),
    "ent_b": (False, False, False),
    "trainee_a": (False, False, False),
    "judge": (False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_exam_results_are_read_by_the_candidates_city(every_model, role):
    from exams.policy import reads_results, results_scope

    user = every_model["users"][role]
    attempts = list(db.session.scalars(select(Attempt).order_by(Attempt.id)))
    readable = set(
        db.session.scalars(select(Attempt.id).where(results_scope(user, Attempt.employee_id)))
    )
    assert tuple(a.id in readable for a in attempts) == EXAM_RESULTS[role]
    assert reads_results(user) is role.startswith("city")
