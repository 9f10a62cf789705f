"""The demo data: what CONTRACT.md promises, valid, and loaded only once."""

import tomllib
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.demo import DEMO_PASSWORD, load_demo_data
from app.demo.questions import DATA_FILE, demo_questions_file, load_demo_questions
from app.extensions import db
from app.orgs.models import Employee, Enterprise, ExternalCertificate, Region
from app.orgs.rules.identity import credit_code_problem, id_number_problem
from app.orgs.rules.posts import Post
from app.pii import vault
from question_bank.models import PROVINCIAL_BANK, KnowledgePoint, Question
from question_bank.services import import_questions


def _rows_per_table() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_demo_data_is_complete_valid_and_idempotent(app, runner):
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    rows = _rows_per_table()
    counts = load_demo_data()
    db.session.commit()
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0
    assert second.output == first.output
    assert _rows_per_table() == rows  # a second run changes nothing
    assert counts["regions"] == 14
    assert counts["enterprises"] >= 30
    assert counts["employees"] >= 600
    assert db.session.scalar(select(func.count(User.id))) == counts["accounts"] == 30

    names = set(db.session.scalars(select(Region.name)))
    assert {"石家庄", "唐山", "定州", "辛集", "雄安新区"} <= names
    assert all(
        credit_code_problem(code) is None
        for code in db.session.scalars(select(Enterprise.credit_code))
    )
    box = vault()
    employees = db.session.scalars(select(Employee)).all()
    assert all(
        id_number_problem(box.decrypt(e.id_number_cipher), date.today()) is None for e in employees
    )
    assert {e.post for e in employees} == {p.value for p in Post}
    assert any(e.left_on for e in employees)
    assert db.session.scalar(select(func.count(ExternalCertificate.id))) > 50


def test_demo_accounts_match_the_contract(app, runner, client):
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    runner.invoke(args=["demo-data"])
    roles = dict(db.session.execute(select(User.username, User.role)).all())
    assert roles["admin"] == Role.PROVINCE_ADMIN
    assert roles["sjz_admin"] == Role.CITY_ADMIN
    assert roles["ent1_admin"] == roles["ent2_admin"] == Role.ENTERPRISE_ADMIN
    assert all(roles[f"trainee{n}"] == Role.TRAINEE for n in range(1, 21))

    users = {u.username: u for u in db.session.scalars(select(User))}
    assert users["sjz_admin"].region.name == "石家庄"
    assert users["ent1_admin"].enterprise_id != users["ent2_admin"].enterprise_id
    trainee_enterprises = {users[f"trainee{n}"].enterprise_id for n in range(1, 21)}
    assert trainee_enterprises == {
        users["ent1_admin"].enterprise_id,
        users["ent2_admin"].enterprise_id,
    }

    response = client.post(
        "/api/v1/auth/login", json={"username": "trainee7", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200


def test_if_empty_leaves_a_used_database_alone(app, runner, make):
    make.user(Role.PROVINCE_ADMIN, username="someone")
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count(Region.id))) == 0


def test_the_demo_questions_file_imports_whole_through_the_upload_path(app):
    preview = import_questions(PROVINCIAL_BANK, DATA_FILE, demo_questions_file(), dry_run=True)
    assert preview.problems == [] and preview.skipped == []
    assert len(preview.items) == 220

    report = load_demo_questions()
    assert report.problems == [] and report.skipped == [] and report.imported == 220
    # Enough of each type for the demo exam (20 single, 10 multiple, 10 true/false, 5 fill).
    types = Counter(db.session.scalars(select(Question.type)))
    assert types == {"single": 90, "multiple": 50, "true_false": 50, "fill": 30}
    difficulties = Counter(db.session.scalars(select(Question.difficulty)))
    assert set(difficulties) == {"easy", "medium", "hard"}
    assert db.session.scalar(select(func.count()).where(Question.posts != "")) > 100
    assert db.session.scalar(select(func.count()).where(Question.levels != "")) > 200
    paths = set(db.session.scalars(select(KnowledgePoint.path)))
    assert "法律法规/民法典/物业服务合同" in paths

    again = load_demo_questions()
    assert again.imported == 0 and len(again.skipped) == 220


def test_the_demo_data_files_are_package_data():
    """A wheel carries the data files (`pip install -e .` would find them anyway)."""
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["app.demo"]
    package = root / "app" / "demo"
    packaged = {path for pattern in patterns for path in package.glob(pattern)}
    data_files = {path for path in (package / "data").rglob("*") if path.is_file()}
    assert DATA_FILE in {path.name for path in data_files}
    assert data_files <= packaged


def test_the_demo_competition_is_set_up_for_scoring(app, runner):
    from app.demo.competitions import FINAL_TITLE, PRELIMINARY_TITLE
    from competitions import services
    from competitions.models import Competition

    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    runner.invoke(args=["demo-data"])
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert all(users[f"judge{n}"].role == Role.JUDGE for n in range(1, 6))
    assert users["chief_judge"].role == Role.CHIEF_JUDGE
    assert users["judge1"].enterprise_id == users["ent1_admin"].enterprise_id
    assert all(users[f"judge{n}"].enterprise_id is None for n in range(2, 6))
    assert all(users[f"judge{n}"].region_id is None for n in range(2, 6))

    final = db.session.scalar(select(Competition).where(Competition.title == FINAL_TITLE))
    preliminary = db.session.scalar(
        select(Competition).where(Competition.title == PRELIMINARY_TITLE)
    )
    assert (final.stage, preliminary.stage, preliminary.final_id) == (
        "final",
        "preliminary",
        final.id,
    )
    assert preliminary.region.name == "石家庄"
    for competition in (final, preliminary):
        assert [e.name for e in competition.events] == ["电工", "客户服务"]
        electrician, service = competition.events
        assert {i.kind for i in electrician.items} >= {"measurement"}
        assert {i.aggregation for i in service.items if i.kind == "judgement"} == {"trimmed_mean"}
        for event in competition.events:
            entered = services.contestants(event, users["admin"])
            assert event.status == "drawn" and event.draw_seed is not None
            assert sorted(c.number for c in entered) == list(range(1, len(entered) + 1))
            assert len({c.enterprise_id for c in entered}) >= 3
            assert users["ent1_admin"].enterprise_id in {c.enterprise_id for c in entered}
            assert event.chief_judge_id == users["chief_judge"].id
            judges = {user.username for user, _ in services.judges(event)}
            assert "judge1" in judges
            # judge1 works for ent1: never given ent1's contestants.
            conflicted = {c.id for u, c, _ in services.conflicts(event) if u.username == "judge1"}
            ent1 = {c.id for c in entered if c.enterprise_id == users["ent1_admin"].enterprise_id}
            assert ent1 <= conflicted
        assert {u.username for u, _ in services.judges(service)} == {
            f"judge{n}" for n in range(1, 6)
        }
    # Two of each 石家庄 event went on to the final.
    for prelim_event, final_event in zip(preliminary.events, final.events, strict=True):
        assert len(services.sent_on(prelim_event, final_event)) == 2
    assert final.events[0].theory_weight == 30 and final.events[0].theory_exam_id is not None
