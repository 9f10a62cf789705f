"""The candidate's exam pages: my exams, the exam page's shell, the result and its review."""

import re
from datetime import timedelta

import pytest

from app.auth.models import Role
from app.extensions import db
from app.timeutil import to_local, utcnow
from exams import attempts, grading, services
from exams.models import Exam
from question_bank.models import PROVINCIAL_BANK
from question_bank.rules.types import Option, QuestionDraft, QuestionType
from question_bank.services import create_question
from tests.integration.page_helpers import nav_labels, page

RULES = [
    {"type": "single", "count": 3, "points": 1000, "tags": [], "difficulty": None},
    {"type": "multiple", "count": 1, "points": 1000, "tags": [], "difficulty": None},
    {"type": "true_false", "count": 2, "points": 1000, "tags": [], "difficulty": None},
    {"type": "fill", "count": 1, "points": 1000, "tags": [], "difficulty": None},
]
RIGHT = {"single": "A", "multiple": ["A", "C"], "true_false": True, "fill": ["业主委员会"]}


def seed_bank(singles=4, multiples=2, trues=3, fills=2) -> None:
    """A provincial bank whose correct answers are known (see RIGHT), with explanations."""
    for n in range(singles):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.SINGLE,
                stem=f"单选题 {n}：物业服务合同应当采用什么形式？",
                options=[Option("A", "书面形式"), Option("B", "口头形式"), Option("C", "任意形式")],
                answer="A",
                explanation=f"单选解析 {n}",
            ),
        )
    for n in range(multiples):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.MULTIPLE,
                stem=f"多选题 {n}：下列属于共有部分的有？",
                options=[
                    Option("A", "电梯"),
                    Option("B", "业主自家阳台"),
                    Option("C", "消防设施"),
                    Option("D", "业主自购车位"),
                ],
                answer=["A", "C"],
                explanation=f"多选解析 {n}",
            ),
        )
    for n in range(trues):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.TRUE_FALSE,
                stem=f"判断题 {n}：消防通道不得占用。",
                answer=True,
                explanation=f"判断解析 {n}",
            ),
        )
    for n in range(fills):
        create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.FILL,
                stem=f"填空题 {n}：业主大会的执行机构是____。",
                blanks=[["业主委员会", "业委会"]],
                explanation=f"填空解析 {n}",
            ),
        )
    db.session.commit()


def make_exam(candidates, *, title="物业管理员理论考试", opens_in=-300, closes_in=7200, **settings):
    """An exam of the provincial bank; `opens_in`/`closes_in` are seconds from now."""
    now = utcnow()
    values = {
        "title": title,
        "opens_at": now + timedelta(seconds=opens_in),
        "closes_at": now + timedelta(seconds=closes_in),
        "time_limit_seconds": 1800,
        "pass_score": 4000,
        "rules": RULES,
        "shuffle_questions": True,
        "shuffle_options": True,
    }
    values.update(settings)
    exam = services.create_exam(
        bank=PROVINCIAL_BANK,
        user_id=None,
        candidate_ids=[c.id for c in candidates],
        **values,
    )
    db.session.commit()
    return exam


def sit(exam: Exam, user, *, right: int = 0, submit=True):
    """An attempt of `user` at `exam`: the first `right` questions answered right, the rest
    wrong; submitted unless told otherwise."""
    now = utcnow()
    attempt, _ = attempts.start_or_resume(
        exam, employee_id=user.employee_id, user_id=user.id, device="test", now=now
    )
    wrong = {"single": "B", "multiple": ["B"], "true_false": False, "fill": ["物业公司"]}
    for n, item in enumerate(attempt.questions):
        kind = item.version.type
        response = RIGHT[kind] if n < right else wrong[kind]
        attempts.save_answer(attempt, item.question_id, response, 1, device="test", now=now)
    if submit:
        attempts.submit(attempt, now)
    db.session.commit()
    return attempt


@pytest.fixture
def world(make):
    seed_bank()
    enterprise = make.enterprise()
    first = make.employee(enterprise, name="考生甲")
    second = make.employee(enterprise, name="考生乙")
    return {
        "first": first,
        "second": second,
        "cand1": make.user(Role.TRAINEE, username="cand1", employee=first),
        "cand2": make.user(Role.TRAINEE, username="cand2", employee=second),
        "examiner": make.user(Role.PROVINCE_ADMIN, username="examiner"),
    }


def _card_titles(body: str, heading: str) -> list[str]:
    """The exam titles listed under one heading of "my exams"."""
    section = re.search(
        r"<h2[^>]*>" + re.escape(heading) + r".*?</h2>(.*?)(?=<section|</main>)", body, re.S
    )
    assert section, f"no section {heading!r}"
    return re.findall(r'<h3 class="h6 mb-1 exam-card-title">([^<]+)</h3>', section.group(1))


def test_my_exams_groups_open_upcoming_and_finished_exams(client, login, world):
    first, second = world["first"], world["second"]
    open_exam = make_exam([first, second], title="可参加的考试")
    started = make_exam([first], title="作答中的考试")
    upcoming = make_exam([first], title="明天的考试", opens_in=86400, closes_in=90000)
    done = make_exam([first], title="已考完的考试")
    make_exam([first], title="已过期的考试", opens_in=-7200, closes_in=-3600)
    make_exam([second], title="别人的考试")
    sit(started, world["cand1"], submit=False)
    sit(done, world["cand1"], right=5)

    login("cand1")
    response = client.get("/exams/")
    assert response.status_code == 200
    body = page(response)
    assert _card_titles(body, "进行中 / 可参加") == ["作答中的考试", "可参加的考试"]
    assert _card_titles(body, "未开始") == ["明天的考试"]
    assert set(_card_titles(body, "已结束")) == {"已考完的考试", "已过期的考试"}
    assert "别人的考试" not in body
    assert "继续考试" in body and "开始考试" in body
    opening = to_local(upcoming.opens_at).strftime("%Y-%m-%d %H:%M")
    assert re.search(r"开始时间 <strong[^>]*>" + opening, body)
    assert re.search(r"成绩 <strong[^>]*>50</strong> / 70 分", body)
    assert f'href="/exams/{open_exam.id}/take"' in body
    assert f'href="/exams/{upcoming.id}/take"' not in body
    assert "我的考试" in nav_labels(response)


def test_my_exams_shows_an_overdue_attempt_as_ended_and_opening_it_submits_it(client, login, world):
    exam = make_exam([world["first"]], title="超时的考试", max_attempts=1)
    attempt = sit(exam, world["cand1"], right=2, submit=False)
    attempt.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login("cand1")
    body = page(client.get("/exams/"))
    assert _card_titles(body, "已结束") == ["超时的考试"]
    assert "已超时，待提交" in body
    db.session.refresh(attempt)
    assert attempt.status == "in_progress"  # reading the list wrote nothing
    assert client.get(f"/exams/attempts/{attempt.id}/result").status_code == 200
    db.session.refresh(attempt)
    assert (attempt.status, attempt.submit_reason, attempt.score) == ("submitted", "deadline", 2000)


def test_admins_see_no_my_exams_in_the_menu(client, login, world):
    login("examiner")
    response = client.get("/")
    assert "我的考试" not in nav_labels(response)
    assert client.get("/exams/").status_code == 200  # an empty list, not an error


def test_the_dashboard_lists_the_trainees_open_exams(client, login, world):
    make_exam([world["first"]], title="本周安全知识考试")
    make_exam([world["first"]], title="下周的考试", opens_in=7 * 86400, closes_in=8 * 86400)
    login("cand1")
    body = page(client.get("/"))
    assert "本周安全知识考试" in body and "开始考试" in body
    assert "下周的考试" not in body
    assert "暂无待参加的考试" not in body

    login("cand2")
    assert "暂无待参加的考试" in page(client.get("/"))


def test_the_exam_page_is_a_shell_for_its_candidates_only(client, login, world):
    exam = make_exam([world["first"]])
    assert client.get(f"/exams/{exam.id}/take").status_code == 302  # to the login page

    login("cand1")
    response = client.get(f"/exams/{exam.id}/take")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-exam-id="{exam.id}"' in html
    assert 'data-resume="0"' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    assert "/static/exam.js" in html
    assert "开始考试" in html and "7 题" in html and "30 分钟" in html
    assert "单选题 0" not in html  # the paper comes from the API, once started

    login("cand2")  # not a candidate: the exam does not exist for them
    assert client.get(f"/exams/{exam.id}/take").status_code == 404
    assert client.get("/exams/999999/take").status_code == 404

    login("examiner")  # sees the exam (owns the bank) but does not sit it
    assert client.get(f"/exams/{exam.id}/take").status_code == 403


def test_the_exam_page_resumes_an_attempt_in_progress(client, login, world):
    exam = make_exam([world["first"]])
    sit(exam, world["cand1"], submit=False)
    login("cand1")
    html = client.get(f"/exams/{exam.id}/take").get_data(as_text=True)
    assert 'data-resume="1"' in html
    assert "正在恢复您的作答" in html


def test_the_exam_page_says_when_it_cannot_start(client, login, world):
    upcoming = make_exam([world["first"]], opens_in=3600, closes_in=7200)
    used = make_exam([world["first"]], max_attempts=1)
    attempt = sit(used, world["cand1"], right=1)
    login("cand1")
    body = page(client.get(f"/exams/{upcoming.id}/take"))
    assert "考试尚未开始" in body and 'id="exam-start"' not in body
    body = page(client.get(f"/exams/{used.id}/take"))
    assert "您已用完全部考试机会" in body and 'id="exam-start"' not in body
    assert f"/exams/attempts/{attempt.id}/result" in body


def test_the_result_shows_score_and_how_it_was_submitted(client, login, world):
    exam = make_exam([world["first"]], review="score")
    attempt = sit(exam, world["cand1"], right=5)
    login("cand1")
    response = client.get(f"/exams/attempts/{attempt.id}/result")
    assert response.status_code == 200
    body = page(response)
    assert re.search(r'id="exam-score"><strong>50</strong><span[^>]*> / 70 分', body)
    assert "合格" in body and "不合格" not in body
    assert "考生交卷" in body
    assert "本场考试只公布成绩，不公布答案" in body
    assert "单选解析" not in body and "正确答案" not in body


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("deadline", "到时自动交卷"),
        ("leave_limit", "离开页面次数超限自动交卷"),
        ("proctor", "监考结束"),
    ],
)
def test_the_result_names_every_way_of_submitting(client, login, world, reason, label):
    exam = make_exam([world["first"]])
    attempt = sit(exam, world["cand1"], right=1, submit=False)
    grading.finalise(attempt, reason, utcnow())
    db.session.commit()
    login("cand1")
    body = page(client.get(f"/exams/attempts/{attempt.id}/result"))
    assert label in body and "不合格" in body


def test_the_review_shows_answers_and_explanations_when_the_exam_allows(client, login, world):
    exam = make_exam([world["first"]], review="answers")
    attempt = sit(exam, world["cand1"], right=3)
    login("cand1")
    body = page(client.get(f"/exams/attempts/{attempt.id}/result"))
    assert body.count("exam-review exam-review--") == 7
    assert body.count("exam-review--right") == 3
    assert body.count("exam-review--wrong") == 4
    for item in attempt.questions:
        assert f"第 {item.position} 题" in body
        assert item.version.explanation in body
    # Choices are named by the letter the candidate saw, whatever their stable key.
    single = next(item for item in attempt.questions if item.version.type == "single")
    shown = single.option_order.index("A")
    letter = "ABC"[shown]
    card = re.search(rf'id="review-{single.question_id}">(.*?)</article>', body, re.S).group(1)
    assert re.search(rf"正确答案</dt><dd[^>]*>{letter}\. 书面形式</dd>", card)
    fill = next(item for item in attempt.questions if item.version.type == "fill")
    card = re.search(rf'id="review-{fill.question_id}">(.*?)</article>', body, re.S).group(1)
    assert "第 1 空：业主委员会 或 业委会" in card


def test_the_review_waits_for_its_publication_time(client, login, world):
    later = utcnow() + timedelta(days=2)
    exam = make_exam([world["first"]], review="answers", review_from=later)
    attempt = sit(exam, world["cand1"], right=3)
    login("cand1")
    body = page(client.get(f"/exams/attempts/{attempt.id}/result"))
    assert "正确答案和解析将于" in body
    assert to_local(later).strftime("%Y-%m-%d %H:%M") in body
    assert "单选解析" not in body and "正确答案</dt>" not in body


def test_a_result_is_visible_to_its_candidate_and_the_examiner_only(client, login, world):
    exam = make_exam([world["first"], world["second"]])
    attempt = sit(exam, world["cand1"], right=2)
    login("cand2")
    assert client.get(f"/exams/attempts/{attempt.id}/result").status_code == 404
    assert client.get("/exams/attempts/999999/result").status_code == 404
    login("examiner")
    body = page(client.get(f"/exams/attempts/{attempt.id}/result"))
    assert "考生甲" in body and "返回我的考试" not in body


def test_the_result_of_an_attempt_in_progress_sends_its_candidate_back(client, login, world):
    exam = make_exam([world["first"]])
    attempt = sit(exam, world["cand1"], submit=False)
    login("cand1")
    response = client.get(f"/exams/attempts/{attempt.id}/result")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/exams/{exam.id}/take")


def test_a_result_offers_another_try_while_attempts_remain(client, login, world):
    exam = make_exam([world["first"]], max_attempts=2)
    attempt = sit(exam, world["cand1"], right=1)
    login("cand1")
    body = page(client.get(f"/exams/attempts/{attempt.id}/result"))
    assert "再考一次" in body
