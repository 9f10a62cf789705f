"""The exam manager's pages: create an exam, preview, proctor, results, review, statistics.

Forms are posted as a browser would post them, with the page's CSRF token; candidates take
their attempts through the JSON API, as the candidate pages do.
"""

import re
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.orgs.rules.posts import Post
from app.timeutil import utcnow
from exams import services
from exams.models import Exam, ExamCandidate
from question_bank.models import PROVINCIAL_BANK, enterprise_bank
from question_bank.rules.types import Option, QuestionDraft, QuestionType
from question_bank.services import create_question
from tests import factories
from tests.integration.page_helpers import csrf_of, nav_labels, page, xlsx, xlsx_values

NEW = "/exams/manage/new"


def seed_bank(bank: str = PROVINCIAL_BANK) -> dict[str, list[int]]:
    """A small bank with known answers: singles A, multiples A+C, true, fill 业主委员会."""
    ids: dict[str, list[int]] = {"single": [], "multiple": [], "true_false": [], "fill": []}
    drafts = [
        QuestionDraft(
            type=QuestionType.SINGLE,
            stem=f"单选题 {n}",
            options=[Option("A", "对的"), Option("B", "错的"), Option("C", "也错")],
            answer="A",
            explanation=f"解析 {n}",
            knowledge_point="法律法规/民法典",
        )
        for n in range(6)
    ]
    drafts += [
        QuestionDraft(
            type=QuestionType.MULTIPLE,
            stem=f"多选题 {n}",
            options=[Option(k, f"选项{k}") for k in "ABCD"],
            answer=["A", "C"],
            knowledge_point="法律法规/物业管理条例",
        )
        for n in range(2)
    ]
    drafts += [
        QuestionDraft(
            type=QuestionType.TRUE_FALSE,
            stem=f"判断题 {n}",
            answer=True,
            knowledge_point="安全管理/消防",
        )
        for n in range(4)
    ]
    drafts += [
        QuestionDraft(type=QuestionType.FILL, stem=f"填空题 {n}：____", blanks=[["业主委员会"]])
        for n in range(2)
    ]
    for draft in drafts:
        ids[draft.type.value].append(create_question(bank, draft).id)
    db.session.commit()
    return ids


@pytest.fixture
def world(make, client):
    bank = seed_bank()
    region = make.region()
    home = make.enterprise(region, name="甲物业公司")
    other = make.enterprise(region, name="乙物业公司")
    first = make.employee(home, name="考生甲", post=Post.SECURITY)
    second = make.employee(home, name="考生乙", post=Post.SECURITY)
    third = make.employee(home, name="考生丙", post=Post.CLEANING)
    gone = make.employee(home, name="离职丁", post=Post.SECURITY)
    gone.left_on = date(2024, 1, 1)
    stranger = make.employee(other, name="外企戊", post=Post.SECURITY)
    db.session.commit()
    make.user(Role.PROVINCE_ADMIN, username="examiner", display_name="省考务")
    make.user(Role.ENTERPRISE_ADMIN, username="home_admin", enterprise=home)
    make.user(Role.ENTERPRISE_ADMIN, username="other_admin", enterprise=other)
    make.user(Role.CITY_ADMIN, username="city_admin", region=region)
    make.user(Role.TRAINEE, username="cand1", employee=first)
    make.user(Role.TRAINEE, username="cand2", employee=second)
    make.user(Role.TRAINEE, username="cand3", employee=third)
    return {
        "bank": bank,
        "home": home,
        "other": other,
        "first": first,
        "second": second,
        "third": third,
        "gone": gone,
        "stranger": stranger,
    }


def form_data(**overrides) -> dict:
    """What the create form sends for a valid exam by rules; `overrides` change fields."""
    data = {
        "title": "物业管理员理论考试",
        "opens_at": "2030-05-01T09:00",
        "closes_at": "2030-05-01T11:30",
        "time_limit_minutes": "30",
        "pass_score": "60",
        "max_attempts": "1",
        "scoring": "best",
        "shuffle_questions": "y",
        "shuffle_options": "y",
        "partial_credit": "none",
        "partial_percent": "50",
        "review": "score",
        "review_from": "",
        "leave_limit": "",
        "paper_mode": "rules",
        "fixed_paper": "",
    }
    rules = [
        ("single", "5", "10", "法律法规", ""),
        ("true_false", "4", "10", "", ""),
        ("fill", "1", "10", "", ""),
    ]
    for n, (kind, count, points, tag, level) in enumerate(rules):
        data.update(
            {
                f"rules-{n}-type": kind,
                f"rules-{n}-count": count,
                f"rules-{n}-points": points,
                f"rules-{n}-knowledge_point": tag,
                f"rules-{n}-difficulty": level,
            }
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_new(client, data: dict):
    token = csrf_of(client.get(NEW))
    return client.post(NEW, data={"csrf_token": token, **data}, content_type="multipart/form-data")


def exams() -> list[Exam]:
    return list(db.session.scalars(select(Exam).order_by(Exam.id)))


def candidates_of(exam_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(ExamCandidate.employee_id).where(ExamCandidate.exam_id == exam_id)
        )
    )


# --- creating an exam ----------------------------------------------------------------------


def test_the_create_form_stores_every_setting(client, login, world):
    login("examiner")
    form = client.get(NEW)
    assert form.status_code == 200
    text = page(form)
    assert "题库各知识点题数" in text and "法律法规/物业管理条例" in text  # datalist and counts
    response = post_new(
        client,
        form_data(
            title="  秩序维护员考试 ",
            shuffle_options=None,  # unticked
            scoring="last",
            max_attempts="2",
            partial_credit="fixed",
            partial_percent="40",
            review="answers",
            review_from="2030-05-02T08:00",
            leave_limit="3",
            pass_score="62.5",
            candidate_enterprises=[str(world["home"].id)],
            candidate_posts=[Post.SECURITY.value],
        ),
    )
    assert response.status_code == 302, page(response)
    [exam] = exams()
    assert response.headers["Location"].endswith(f"/exams/manage/{exam.id}")
    assert exam.title == "秩序维护员考试"
    # Asia/Shanghai 09:00 is 01:00 UTC.
    assert (exam.opens_at, exam.closes_at) == (datetime(2030, 5, 1, 1), datetime(2030, 5, 1, 3, 30))
    assert exam.review_from == datetime(2030, 5, 2, 0, 0)
    assert exam.time_limit_seconds == 1800
    assert exam.pass_score == 6250
    assert (exam.max_attempts, exam.scoring) == (2, "last")
    assert (exam.shuffle_questions, exam.shuffle_options) == (True, False)
    assert (exam.partial_credit, exam.partial_percent, exam.review) == ("fixed", 40, "answers")
    assert exam.leave_limit == 3
    assert exam.rules == [
        {"type": "single", "count": 5, "points": 1000, "tags": ["法律法规"], "difficulty": None},
        {"type": "true_false", "count": 4, "points": 1000, "tags": [], "difficulty": None},
        {"type": "fill", "count": 1, "points": 1000, "tags": [], "difficulty": None},
    ]
    # Security staff on duty only: not the cleaner, not the one who left.
    assert candidates_of(exam.id) == {world["first"].id, world["second"].id}

    detail = page(client.get(response.headers["Location"]))
    assert "考试“秩序维护员考试”已创建，考生 2 人。" in detail
    assert "2030-05-01 09:00 至 2030-05-01 11:30" in detail
    assert '满分 / 及格分</dt><dd class="col-7 col-sm-8">100 分 / 62.5 分' in detail
    assert "取最后一次" in detail and "超过 3 次自动交卷" in detail
    assert "少选得固定比例的分，错选不得分（40%）" in detail
    assert "甲物业公司" in detail


def test_a_rule_the_bank_cannot_fill_is_refused_with_the_numbers(client, login, world):
    login("examiner")
    response = post_new(
        client,
        form_data(
            **{
                # row 2 left empty: the message still names the row the user sees
                "rules-1-count": "",
                "rules-1-points": "",
                "rules-2-type": "single",
                "rules-2-count": "9",
                "rules-2-knowledge_point": "法律法规",
            }
        ),
    )
    assert response.status_code == 200
    text = page(response)
    assert "题库中的试题不足以按规则组卷" in text
    assert "第 3 条规则（单选，法律法规，不限难度）需要 9 题，题库只有 1 题可用" in text
    assert "另有 5 道符合条件的题已被其他规则占用" in text
    assert "只有 1 题可用" in text  # next to the row itself
    assert exams() == []


def test_closes_before_opens_is_refused(client, login, world):
    login("examiner")
    response = post_new(client, form_data(closes_at="2030-05-01T08:00"))
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间" in page(response)
    assert exams() == []


def test_a_pass_mark_above_full_marks_is_refused(client, login, world):
    login("examiner")
    response = post_new(client, form_data(pass_score="120"))
    assert "及格分不能高于满分（100 分）" in page(response)
    assert exams() == []


def test_a_fixed_paper_by_question_numbers(client, login, world):
    login("examiner")
    single, fill = world["bank"]["single"][0], world["bank"]["fill"][0]
    bad = post_new(
        client, form_data(paper_mode="fixed", fixed_paper=f"{single} 2\n{single} 3\n题 x")
    )
    text = page(bad)
    assert f"第 2 行：试题 {single} 重复" in text
    assert "第 3 行“题 x”应为“题号 分值”" in text
    unknown = post_new(
        client, form_data(paper_mode="fixed", fixed_paper="999999 2", pass_score="1")
    )
    assert "固定试卷中有题库里不存在、已停用或重复的试题" in page(unknown)
    assert exams() == []

    good = post_new(
        client,
        form_data(paper_mode="fixed", fixed_paper=f"{single} 2.5\r\n\r\n{fill}，1", pass_score="2"),
    )
    assert good.status_code == 302, page(good)
    [exam] = exams()
    assert exam.rules == []
    assert exam.fixed_questions == [
        {"question_id": single, "points": 250},
        {"question_id": fill, "points": 100},
    ]
    detail = page(client.get(good.headers["Location"]))
    assert "固定试卷" in detail and "单选题 0" in detail


def test_candidates_by_a_list_of_identity_numbers(client, login, world):
    login("examiner")
    unknown = factories.id_number(birth="19850101")
    # The identity numbers of the roster are stored encrypted; the factories made them.
    numbers = _identity_numbers(world)
    upload = xlsx(
        [
            ["考生甲", " " + numbers["first"].lower() + " "],  # typed loosely: still found
            ["某人", unknown],  # valid, but on no roster
            ["错号", numbers["second"][:17] + ("0" if numbers["second"][17] != "0" else "1")],
            ["离职丁", numbers["gone"]],
            ["", ""],  # an empty row is skipped
            ["外企戊", numbers["stranger"]],  # another enterprise: the province sees it
        ],
        headers=["姓名", "身份证号"],
    )
    template = client.get("/exams/manage/candidate-template.xlsx")
    assert xlsx_values(template.data)[0] == ("姓名", "身份证号", "人员编号")
    response = post_new(client, form_data(candidate_file=(BytesIO(upload), "名单.xlsx")))
    assert response.status_code == 302, page(response)
    [exam] = exams()
    assert candidates_of(exam.id) == {world["first"].id, world["stranger"].id}
    text = page(client.get(response.headers["Location"]))
    assert "名单中有 3 行未匹配到考生" in text
    assert (
        f"第 3 行 {unknown[:6]}********{unknown[-4:]}：在您管理范围内的花名册中找不到此人" in text
    )
    assert "第 4 行：身份证号校验位错误，请核对是否有数字录错" in text
    assert "第 5 行" in text and "此人已离职" in text
    assert "第 6 行" not in text


def _identity_numbers(world) -> dict[str, str]:
    from app.pii import vault

    box = vault()
    return {
        key: box.decrypt(world[key].id_number_cipher)
        for key in ("first", "second", "gone", "stranger")
    }


def test_an_enterprise_admin_adds_candidates_only_from_their_roster(client, login, world):
    seed_bank(enterprise_bank(world["home"].id))
    exam = make_exam(world, bank=enterprise_bank(world["home"].id), candidates=[])
    login("home_admin")
    detail = client.get(f"/exams/manage/{exam.id}")
    assert detail.status_code == 200
    numbers = _identity_numbers(world)
    upload = xlsx(
        [[world["third"].id, ""], ["", numbers["stranger"]], [world["stranger"].id, ""]],
        headers=["人员编号", "身份证号"],
    )
    response = client.post(
        f"/exams/manage/{exam.id}/candidates",
        data={"csrf_token": csrf_of(detail), "candidate_file": (BytesIO(upload), "名单.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert candidates_of(exam.id) == {world["third"].id}
    text = page(client.get(f"/exams/manage/{exam.id}"))
    assert "新增考生 1 人。" in text
    assert "名单中有 2 行未匹配到考生" in text
    assert "第 3 行" in text and "第 4 行" in text
    # A whole enterprise: only the admin's own is offered, and the same people are not added twice.
    detail = client.get(f"/exams/manage/{exam.id}")
    assert "乙物业公司" not in page(detail)
    client.post(
        f"/exams/manage/{exam.id}/candidates",
        data={"csrf_token": csrf_of(detail), "candidate_enterprises": [str(world["home"].id)]},
    )
    assert candidates_of(exam.id) == {
        w.id for w in (world["first"], world["second"], world["third"])
    }
    assert "新增考生 2 人。另有 1 人已在名单中。" in page(client.get(f"/exams/manage/{exam.id}"))


# --- after creating --------------------------------------------------------------------------


def make_exam(world, *, bank=PROVINCIAL_BANK, candidates=None, fixed=None, **settings) -> Exam:
    now = utcnow()
    values = {
        "title": "第一季度理论考试",
        "opens_at": now - timedelta(minutes=5),
        "closes_at": now + timedelta(hours=2),
        "time_limit_seconds": 1800,
        "pass_score": 600,
        "max_attempts": 1,
        "scoring": "best",
        "shuffle_questions": False,
        "shuffle_options": False,
        "partial_credit": "none",
        "partial_percent": 50,
        "review": "score",
        "review_from": None,
        "leave_limit": None,
        "rules": [] if fixed else [{"type": "single", "count": 2, "points": 500, "tags": []}],
        "fixed_questions": fixed or [],
    }
    values.update(settings)
    if candidates is None:
        candidates = [world["first"].id, world["second"].id, world["third"].id]
    exam = services.create_exam(bank=bank, user_id=None, candidate_ids=candidates, **values)
    db.session.commit()
    return exam


def take(client, login, exam_id, username, responses: list) -> dict:
    """Start an attempt as `username` and save `responses` in paper order (None skips)."""
    headers = {"X-CSRFToken": login(username), "X-Device-Id": f"{username}-phone"}
    attempt = client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers).get_json()
    for n, (question, response) in enumerate(
        zip(attempt["questions"], responses, strict=True), start=1
    ):
        if response is not None:
            saved = client.put(
                f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}",
                json={"response": response, "seq": n},
                headers=headers,
            )
            assert saved.status_code == 200
    attempt["headers"] = headers
    return attempt


@pytest.fixture
def sat_exam(client, login, world):
    """Four single-choice questions (10 points each, key A) sat by three candidates.

    Marks: 甲 0,10,10,10 (30); 乙 0,10,10,0 (20); 丙 10,0,0,0 (10). Question 1 is answered
    right only by the weakest candidate: its discrimination is negative.
    """
    singles = world["bank"]["single"][:4]
    exam = make_exam(
        world, fixed=[{"question_id": q, "points": 1000} for q in singles], pass_score=2000
    )
    answers = {
        "cand1": ["B", "A", "A", "A"],
        "cand2": ["C", "A", "A", "B"],
        "cand3": ["A", "B", "B", None],
    }
    attempts = {}
    for username, responses in answers.items():  # each signs in, answers and (1, 2) submits
        attempt = attempts[username] = take(client, login, exam.id, username, responses)
        if username != "cand3":
            client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=attempt["headers"])
    events = f"/api/v1/attempts/{attempts['cand3']['id']}/events"
    for kind in ("blur", "visibility_hidden", "focus"):
        client.post(events, json={"type": kind}, headers=attempts["cand3"]["headers"])
    return {"exam": exam, "attempts": attempts, "questions": singles}


def test_the_board_shows_progress_and_the_proctor_extends_and_closes(client, login, sat_exam):
    exam, third = sat_exam["exam"], sat_exam["attempts"]["cand3"]
    token = login("examiner")
    board = client.get(f"/exams/manage/{exam.id}/board")
    assert board.status_code == 200
    text = page(board)
    assert '<meta name="csrf-token"' in text
    assert f"/api/v1/exams/{exam.id}/board" in text
    row = re.search(r'<tr data-state="in_progress" data-attempt="(\d+)">(.*?)</tr>', text, re.S)
    assert row and int(row.group(1)) == third["id"]
    assert "考生丙" in row.group(2) and "3/4" in row.group(2)
    assert re.search(r'data-seconds="(17\d\d|1800)">(29|30):\d\d<', row.group(2))
    assert '<span class="text-danger fw-semibold">1</span>' in row.group(2)  # one page leave
    assert text.count('<tr data-state="submitted"') == 2

    extended = client.post(
        f"/api/v1/attempts/{third['id']}/extend",
        json={"seconds": 300, "reason": "网络故障"},
        headers={"X-CSRFToken": token},
    )
    assert extended.status_code == 200
    assert "已延时 5 分钟" in page(client.get(f"/exams/manage/{exam.id}/board"))
    client.post(
        f"/api/v1/attempts/{third['id']}/close",
        json={"reason": "考试时交谈"},
        headers={"X-CSRFToken": token},
    )
    text = page(client.get(f"/exams/manage/{exam.id}/board"))
    assert 'data-state="in_progress"' not in text
    assert text.count('<tr data-state="submitted"') == 3
    # A zero count is no green (or yellow) pill.
    assert "text-bg-success" not in _tally_pill(text, "作答中")
    assert "text-bg-warning" not in _tally_pill(text, "离线")


def _tally_pill(text: str, label: str) -> str:
    """The classes of the board's tally pill `label`."""
    return re.search(rf'<span class="([^"]*tally[^"]*)"[^>]*>{label} <b', text).group(1)


def test_the_boards_tally_colours_a_count_only_when_it_is_not_zero(client, login, sat_exam):
    login("examiner")
    text = page(client.get(f"/exams/manage/{sat_exam['exam'].id}/board"))
    assert "text-bg-success" in _tally_pill(text, "作答中")  # cand3 is answering
    assert "text-bg-light" in _tally_pill(text, "离线")


def test_results_list_and_excel_export(client, login, sat_exam):
    exam = sat_exam["exam"]
    third = sat_exam["attempts"]["cand3"]
    client.post(f"/api/v1/attempts/{third['id']}/submit", headers=third["headers"])
    login("examiner")
    text = page(client.get(f"/exams/manage/{exam.id}/results"))
    assert "已考 <b>3</b>" in text and "合格 <b>2</b>" in text and "66.7%" in text
    rows = re.findall(
        r'<td class="who fw-semibold">(考生.)</td>.*?data-label="成绩">([^<]*)</td>', text, re.S
    )
    assert dict(rows) == {"考生甲": "30 / 40", "考生乙": "20 / 40", "考生丙": "10 / 40"}
    assert "不合格" in text and "130102********" in text

    export = client.get(f"/exams/manage/{exam.id}/results.xlsx")
    assert export.status_code == 200
    assert export.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in export.headers["Content-Disposition"]
    values = xlsx_values(export.data)
    header = values[0]
    assert header[:4] == ("姓名", "身份证号", "企业", "岗位")
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in values[1:]}
    assert set(by_name) == {"考生甲", "考生乙", "考生丙"}
    assert (by_name["考生甲"]["成绩"], by_name["考生甲"]["满分"]) == (30, 40)
    assert by_name["考生甲"]["是否合格"] == "合格"
    assert by_name["考生丙"]["是否合格"] == "不合格"
    assert by_name["考生乙"]["岗位"] == "保安"
    assert by_name["考生丙"]["交卷方式"] == "考生交卷"
    assert "********" in by_name["考生甲"]["身份证号"]


def test_the_review_shows_responses_keys_points_and_events(client, login, sat_exam):
    third = sat_exam["attempts"]["cand3"]
    token = login("examiner")
    client.post(
        f"/api/v1/attempts/{third['id']}/extend",
        json={"seconds": 300, "reason": "网络故障"},
        headers={"X-CSRFToken": token},
    )
    client.post(
        f"/api/v1/attempts/{third['id']}/close",
        json={"reason": "考试时交谈"},
        headers={"X-CSRFToken": token},
    )
    response = client.get(f"/exams/manage/attempts/{third['id']}")
    assert response.status_code == 200
    text = page(response)
    assert "考生丙 的答卷" in text
    scores = re.findall(r"得分 <b>([^<]+)</b> / (\d+)", text)
    # Graded: the question left unanswered scores 0 (— is for an attempt not yet graded).
    assert scores == [("10", "10"), ("0", "10"), ("0", "10"), ("0", "10")]
    responses = re.findall(r'<span class="response">([^<]+)</span>', text)
    assert responses == ["A", "B", "B", "未作答"]
    assert text.count('<span class="text-success">A</span>') == 4  # the key of each
    assert "解析 0" in text
    assert "监考结束作答" in text and "10</b> / 40" in text
    assert "离开页面（窗口失去焦点）" in text
    assert "延时：+300 秒：网络故障" in text and "（省考务）" in text
    assert "监考结束作答：考试时交谈" in text


def test_the_review_labels_options_as_the_candidate_saw_them(client, login, world):
    bank = world["bank"]
    paper = [bank["multiple"][0], bank["true_false"][0], bank["fill"][0]]
    exam = make_exam(
        world,
        fixed=[{"question_id": q, "points": 1000} for q in paper],
        shuffle_options=True,
        partial_credit="proportional",
    )
    attempt = take(client, login, exam.id, "cand1", [["A"], False, [" 业主委员会 "]])
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=attempt["headers"])
    shown = {
        o["key"]: "ABCD"[n] for n, o in enumerate(attempt["questions"][0]["options"])
    }  # the candidate's page labels options by position
    login("examiner")
    text = page(client.get(f"/exams/manage/attempts/{attempt['id']}"))
    assert re.findall(r"得分 <b>([^<]+)</b>", text) == ["5", "0", "10"]
    responses = re.findall(r'<span class="response">([^<]+)</span>', text)
    assert responses == [shown["A"], "错", " 业主委员会 "]
    keys = re.findall(r'<span class="text-success">([^<]+)</span>', text)
    assert keys == ["、".join(sorted([shown["A"], shown["C"]])), "对", "业主委员会"]


def test_statistics_show_moodle_figures_and_flag_negative_discrimination(client, login, sat_exam):
    third = sat_exam["attempts"]["cand3"]
    client.post(f"/api/v1/attempts/{third['id']}/submit", headers=third["headers"])
    login("examiner")
    response = client.get(f"/exams/manage/{sat_exam['exam'].id}/statistics")
    assert response.status_code == 200
    text = page(response)
    kpis = dict(
        re.findall(r'<div class="small text-muted">([^<]+)</div><div class="kpi">([^<]+)<', text)
    )
    assert kpis == {
        "作答人数": "3",
        "平均分": "20.00",
        "中位数": "20.00",
        "标准差": "10.00",
        "信度（Cronbach α）": "-0.44",
    }
    cards = re.findall(r'<li class="card mb-2([^"]*)" data-question="(\d+)">(.*?)</li>', text, re.S)
    by_question = {int(q): (cls, body) for cls, q, body in cards}
    first, second = sat_exam["questions"][:2]
    cls, body = by_question[first]
    assert "negative-discrimination" in cls
    assert '<b class="facility">33.3%</b>' in body
    assert "-0.94</b>" in body
    assert '<b class="efficiency">-125.0%</b>' in body
    assert "区分度为负，建议题库管理员复查此题" in body
    assert f'href="/question-bank/questions/{first}"' in body
    counts = re.findall(r'<span class="option-count">(\d+)</span>', body)
    assert counts == ["1", "1", "1"]  # A, B, C each chosen once
    cls, body = by_question[second]
    assert "negative-discrimination" not in cls
    assert '<b class="facility">66.7%</b>' in body and "0.50</b>" in body
    assert '<b class="efficiency">100.0%</b>' in body
    assert "有 1 道题区分度为负" in text
    fourth = by_question[sat_exam["questions"][3]][1]
    assert "未作答" in fourth


def test_the_preview_shows_a_paper_with_answers(client, login, world):
    exam = make_exam(world)
    login("examiner")
    text = page(client.get(f"/exams/manage/{exam.id}/preview"))
    assert "共 2 题，满分 10 分" in text
    assert text.count("A. 对的 ✓") == 2
    assert "再抽一份" in text


def test_the_list_shows_state_and_counts(client, login, sat_exam, world):
    later = make_exam(
        world,
        title="下季度考试",
        opens_at=utcnow() + timedelta(days=1),
        closes_at=utcnow() + timedelta(days=2),
        candidates=[world["first"].id],
    )
    login("examiner")
    response = client.get("/exams/manage/")
    assert "考试" in nav_labels(response)
    text = page(response)
    rows = {
        int(i): body for i, body in re.findall(r'<tr data-exam-id="(\d+)">(.*?)</tr>', text, re.S)
    }
    cells = re.findall(r'<td class="text-end">(\d+)</td>', rows[sat_exam["exam"].id])
    assert "进行中" in rows[sat_exam["exam"].id] and cells == ["3", "1", "2"]
    assert "未开始" in rows[later.id]
    assert re.findall(r'<td class="text-end">(\d+)</td>', rows[later.id]) == ["1", "0", "0"]


# --- scope -----------------------------------------------------------------------------------


def test_other_managers_and_candidates_cannot_reach_an_exam(client, login, sat_exam, world):
    exam = sat_exam["exam"]
    attempt = sat_exam["attempts"]["cand1"]["id"]
    pages = [
        f"/exams/manage/{exam.id}",
        f"/exams/manage/{exam.id}/preview",
        f"/exams/manage/{exam.id}/board",
        f"/exams/manage/{exam.id}/results",
        f"/exams/manage/{exam.id}/results.xlsx",
        f"/exams/manage/{exam.id}/statistics",
        f"/exams/manage/attempts/{attempt}",
    ]
    login("other_admin")  # owns another bank: the exam does not exist for them
    assert [client.get(url).status_code for url in pages] == [404] * len(pages)
    assert f"/exams/manage/{exam.id}" not in page(client.get("/exams/manage/"))
    login("cand1")  # a candidate of the exam: it exists, but is not theirs to manage
    assert [client.get(url).status_code for url in pages] == [403] * len(pages)
    assert client.get("/exams/manage/").status_code == 403
    assert client.get(NEW).status_code == 403
    response = client.post(f"/exams/manage/{exam.id}/candidates", data={})
    assert response.status_code in (400, 403)
    login("city_admin")
    assert client.get("/exams/manage/").status_code == 403
    assert "考试" not in nav_labels(client.get("/"))


def test_a_candidate_still_answering_is_not_listed_as_absent(client, login, sat_exam):
    exam = sat_exam["exam"]  # 考生丙 has started and not yet handed in
    login("examiner")
    text = page(client.get(f"/exams/manage/{exam.id}/results"))
    assert "考试中" in text and "缺考" not in text
    values = xlsx_values(client.get(f"/exams/manage/{exam.id}/results.xlsx").data)
    by_name = {row[0]: dict(zip(values[0], row, strict=True)) for row in values[1:]}
    assert by_name["考生丙"]["是否合格"] == "考试中"
