"""Training plans: creating and editing, scope, the plan page's counts, Excel, evaluations,
and the completion report of city and provincial admins."""

import re
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.auth.models import Role
from app.courses.models import (
    PUBLISHED,
    Chapter,
    Course,
    CourseProgress,
    Lesson,
    PlanEvaluation,
    StudySpan,
    TrainingPlan,
    TrainingPlanCourse,
    TrainingPlanPerson,
)
from app.extensions import db
from app.orgs.rules.posts import Post
from app.timeutil import LOCAL_TZ, local_today
from tests.integration.page_helpers import csrf_of, page, submit

TODAY = local_today()


def utc(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def w(make):
    region_a, region_b = make.region("甲市"), make.region("乙市")
    ent_a, ent_b = make.enterprise(region_a), make.enterprise(region_b)
    n = iter(range(1, 99))

    def emp(ent, name, post):
        return make.employee(
            ent, name=name, post=post, id_number_=make.id_number(f"199001{next(n):02d}")
        )

    people = {
        "s1": emp(ent_a, "保安一", Post.SECURITY),
        "s2": emp(ent_a, "保安二", Post.SECURITY),
        "s3": emp(ent_a, "保安三", Post.SECURITY),
        "gone": emp(ent_a, "保安离职", Post.SECURITY),
        "c1": emp(ent_a, "保洁一", Post.CLEANING),
        "m1": emp(ent_a, "维修甲", Post.MAINTENANCE),
        "b1": emp(ent_b, "乙保安", Post.SECURITY),
    }
    people["gone"].left_on = TODAY - timedelta(days=3)
    courses = [
        Course(title="课程一", category="post", status=PUBLISHED),
        Course(title="课程二", category="post", status=PUBLISHED),
        Course(title="草稿课程", category="post", status="draft"),
    ]
    db.session.add_all(courses)
    db.session.commit()
    users = {
        "ent_a": make.user(Role.ENTERPRISE_ADMIN, "ent_a", enterprise=ent_a),
        "ent_b": make.user(Role.ENTERPRISE_ADMIN, "ent_b", enterprise=ent_b),
        "city_a": make.user(Role.CITY_ADMIN, "city_a", region=region_a),
        "city_b": make.user(Role.CITY_ADMIN, "city_b", region=region_b),
        "province": make.user(Role.PROVINCE_ADMIN, "province"),
        "trainee": make.user(Role.TRAINEE, "trainee", employee=people["s1"]),
    }
    return {
        "ent_a": ent_a,
        "ent_b": ent_b,
        "p": people,
        "courses": courses,
        "u": users,
        "region_a": region_a,
    }


def make_plan(w, *, due_on, posts=("security",), people=("m1",), courses=(0, 1), ent="ent_a"):
    plan = TrainingPlan(enterprise_id=w[ent].id, title="安全培训", due_on=due_on, posts=list(posts))
    db.session.add(plan)
    db.session.flush()
    for i in courses:
        db.session.add(TrainingPlanCourse(plan_id=plan.id, course_id=w["courses"][i].id))
    for key in people:
        db.session.add(TrainingPlanPerson(plan_id=plan.id, employee_id=w["p"][key].id))
    db.session.commit()
    return plan


def progress(w, key, course, seconds=600, completed_on=None):
    db.session.add(
        CourseProgress(
            employee_id=w["p"][key].id,
            course_id=w["courses"][course].id,
            seconds=seconds,
            started_at=utc(TODAY - timedelta(days=40)),
            completed_at=utc(completed_on) if completed_on else None,
        )
    )
    db.session.commit()


def summary(response) -> dict:
    text = response.get_data(as_text=True)
    return {k: v for k, v in re.findall(r'data-k="(\w+)">([^<]+)<', text)}


def form(w, **changes):
    data = {
        "title": "2026年保安培训",
        "due_on": (TODAY + timedelta(days=30)).isoformat(),
        "posts": ["security"],
        "people": "",
        "courses": [str(w["courses"][0].id)],
        "note": "",
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------- create / edit


def test_enterprise_admin_creates_a_plan(client, login, w):
    login("ent_a")
    response = submit(
        client,
        "/plans/new",
        form(w, people="维修甲", courses=[str(w["courses"][0].id), str(w["courses"][1].id)]),
    )
    assert response.status_code == 302
    plan = db.session.scalar(select(TrainingPlan))
    assert plan.enterprise_id == w["ent_a"].id and plan.posts == ["security"]
    assert {c.course_id for c in plan.courses} == {w["courses"][0].id, w["courses"][1].id}
    assert [p.employee_id for p in plan.people] == [w["p"]["m1"].id]
    shown = client.get(response.location)
    assert "2026年保安培训" in page(shown)
    assert summary(shown)["targets"] == "4"  # three guards on duty + the named fitter


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"courses": []}, "请至少选择一门课程"),
        ({"posts": [], "people": ""}, "请至少选择一个岗位或指定人员"),
        ({"due_on": (TODAY - timedelta(days=1)).isoformat()}, "截止日期不能早于今天"),
        ({"title": ""}, "请填写计划名称"),
        ({"due_on": ""}, "请选择截止日期"),
        ({"people": "查无此人"}, "花名册中没有这些在岗人员：查无此人"),
        ({"people": "保安离职"}, "花名册中没有这些在岗人员"),
        ({"people": "乙保安"}, "花名册中没有这些在岗人员"),  # another enterprise's
        ({"courses": ["DRAFT"]}, "只能选择已发布的课程"),
        ({"title": "长" * 129}, "计划名称最多 128 个字"),
    ],
)
def test_bad_plans_are_refused_in_chinese_and_nothing_is_written(
    client, login, w, changes, message
):
    if changes.get("courses") == ["DRAFT"]:
        changes["courses"] = [str(w["courses"][2].id)]
    login("ent_a")
    response = submit(client, "/plans/new", form(w, **changes))
    assert response.status_code == 200
    assert message in page(response)
    assert db.session.scalar(select(func.count(TrainingPlan.id))) == 0
    assert db.session.scalar(select(func.count(TrainingPlanCourse.id))) == 0


def test_every_problem_is_reported_at_once(client, login, w):
    login("ent_a")
    past = (TODAY - timedelta(days=1)).isoformat()
    response = submit(client, "/plans/new", form(w, due_on=past, people="查无此人", courses=[]))
    body = page(response)
    for message in ("截止日期不能早于今天", "花名册中没有这些在岗人员", "请至少选择一门课程"):
        assert message in body
    assert db.session.scalar(select(func.count(TrainingPlan.id))) == 0


def test_editing_changes_courses_and_people(client, login, w):
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    login("ent_a")
    url = f"/plans/{plan.id}/edit"
    assert "维修甲" in page(client.get(url))
    response = submit(
        client,
        url,
        form(
            w,
            title="改名",
            posts=["cleaning"],
            people="保安一\n保安二",
            courses=[str(w["courses"][1].id)],
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(TrainingPlan, plan.id)
    assert plan.title == "改名" and plan.posts == ["cleaning"]
    assert [c.course_id for c in plan.courses] == [w["courses"][1].id]
    assert {p.employee_id for p in plan.people} == {w["p"]["s1"].id, w["p"]["s2"].id}


def test_deactivating_a_plan(client, login, w):
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    login("ent_a")
    shown = client.get(f"/plans/{plan.id}")
    response = client.post(f"/plans/{plan.id}/active", data={"csrf_token": csrf_of(shown)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingPlan, plan.id).active is False
    assert "已停用" in page(client.get("/plans/"))


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize(
    "who,view,edit",
    [
        ("ent_a", 200, 200),
        ("ent_b", 404, 404),
        ("city_a", 200, 403),
        ("city_b", 404, 404),
        ("province", 200, 403),
        ("trainee", 404, 404),
    ],
)
def test_who_sees_and_edits_a_plan(client, login, w, who, view, edit):
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    login(who)
    assert client.get(f"/plans/{plan.id}").status_code == view
    assert client.get(f"/plans/{plan.id}/export.xlsx").status_code == view
    assert client.get(f"/plans/{plan.id}/edit").status_code == edit


def test_lists_hold_only_plans_in_scope(client, login, w):
    make_plan(w, due_on=TODAY + timedelta(days=10))
    other = make_plan(w, due_on=TODAY + timedelta(days=10), people=(), ent="ent_b")
    other.title = "乙企业计划"
    db.session.commit()
    login("city_a")
    body = page(client.get("/plans/"))
    assert "安全培训" in body and "乙企业计划" not in body and "新建计划" not in body
    assert client.get("/plans/new").status_code == 403
    login("ent_b")
    body = page(client.get("/plans/"))
    assert "乙企业计划" in body and "安全培训" not in body and "新建计划" in body


def test_trainees_have_no_plan_pages(client, login, w):
    login("trainee")
    assert client.get("/plans/").status_code == 403
    assert client.get("/plans/report").status_code == 403
    login("ent_a")
    assert client.get("/plans/report").status_code == 403


# ---------------------------------------------------------------- plan page


def test_plan_page_counts_each_state(client, login, w):
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    progress(w, "s1", 0, 3600, TODAY - timedelta(days=2))
    progress(w, "s1", 1, 1800, TODAY - timedelta(days=1))  # s1 done
    progress(w, "s2", 0, 900)  # s2 in progress; s3 not started
    progress(w, "gone", 0, 600, TODAY - timedelta(days=5))  # left: not counted
    progress(w, "gone", 1, 600, TODAY - timedelta(days=5))
    progress(w, "m1", 1, 300)  # named person in progress
    progress(w, "c1", 0, 300, TODAY)  # not a target: ignored
    login("city_a")
    response = client.get(f"/plans/{plan.id}")
    assert summary(response) == {
        "targets": "4",
        "completed": "1",
        "in_progress": "2",
        "not_started": "1",
        "late": "0",
        "percent": "25.0%",
    }
    body = page(response)
    assert "保安离职" not in body and "保洁一" not in body
    only_done = page(client.get(f"/plans/{plan.id}?state=completed"))
    assert "保安一" in only_done and "保安二" not in only_done
    maintenance = page(client.get(f"/plans/{plan.id}?post=maintenance"))
    assert "维修甲" in maintenance and "保安一" not in maintenance


def test_late_and_late_completion(client, login, w):
    plan = make_plan(w, due_on=TODAY - timedelta(days=5))
    progress(w, "s1", 0, 600, TODAY - timedelta(days=9))
    progress(w, "s1", 1, 600, TODAY - timedelta(days=7))  # in time
    progress(w, "s2", 0, 600, TODAY - timedelta(days=9))
    progress(w, "s2", 1, 600, TODAY - timedelta(days=2))  # after the due date
    progress(w, "s3", 0, 600)  # started, unfinished: late
    login("ent_a")
    response = client.get(f"/plans/{plan.id}")
    assert summary(response)["completed"] == "2"
    assert summary(response)["late"] == "2"  # s3 and m1
    assert "其中逾期完成 1" in page(response)
    flagged = page(client.get(f"/plans/{plan.id}?state=late_completion"))
    assert "保安二" in flagged and "保安一" not in flagged


def test_the_people_table_is_paginated_but_the_summary_counts_everyone(client, login, w, make):
    for i in range(55):
        make.employee(
            w["ent_a"],
            name=f"保安{i:02d}号",
            post=Post.SECURITY,
            id_number_=make.id_number(f"1980{1 + i // 28:02d}{1 + i % 28:02d}"),
        )
    plan = make_plan(w, due_on=TODAY + timedelta(days=10), people=())
    login("ent_a")
    response = client.get(f"/plans/{plan.id}")
    assert summary(response)["targets"] == "58"
    assert "第 1 / 2 页，共 58 条" in page(response)
    assert page(response).count("<td>保安</td>") == 50 + 1  # + the per-post row
    assert page(client.get(f"/plans/{plan.id}?page=2")).count("<td>保安</td>") == 8 + 1


def test_excel_export_matches_the_page(client, login, w):
    plan = make_plan(w, due_on=TODAY - timedelta(days=5))
    progress(w, "s1", 0, 1800, TODAY - timedelta(days=9))
    progress(w, "s1", 1, 1800, TODAY - timedelta(days=2))
    progress(w, "s2", 0, 900)
    login("city_a")
    response = client.get(f"/plans/{plan.id}/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.data))
    assert wb.sheetnames == ["人员明细", "岗位汇总"]
    rows = list(wb["人员明细"].values)
    assert rows[0] == (
        "姓名",
        "岗位",
        "身份证号（脱敏）",
        "课程一",
        "课程二",
        "学时",
        "完成课程数",
        "状态",
    )
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"保安一", "保安二", "保安三", "维修甲"}
    assert by_name["保安一"][3:] == ("已完成", "已完成", 1.0, 2, "已完成（逾期完成）")
    assert by_name["保安二"][3:] == ("学习中", "未开始", 0.3, 0, "已逾期")
    assert "*" in by_name["保安一"][2] and by_name["保安一"][2] == w["p"]["s1"].id_number_masked
    posts = {r[0]: r for r in list(wb["岗位汇总"].values)[1:]}
    assert posts["保安"][1:8] == (3, 1, 0, 0, 2, 1, 33.3)
    assert posts["维修"][1] == 1


# ---------------------------------------------------------------- evaluations


def test_evaluations_are_kept_newest_first(client, login, w):
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    login("ent_a")
    url = f"/plans/{plan.id}"
    for period, body in [("2025年第一季度", "开局良好"), ("2025年第二季度", "进度偏慢")]:
        token = csrf_of(client.get(url))
        response = client.post(
            f"{url}/evaluations", data={"csrf_token": token, "period": period, "body": body}
        )
        assert response.status_code == 302
    text = page(client.get(url))
    assert text.index("2025年第二季度") < text.index("2025年第一季度")
    assert "进度偏慢" in text


@pytest.mark.parametrize(
    "data,message",
    [
        ({"period": "", "body": "x"}, "请填写评价期间"),
        ({"period": "2025年", "body": ""}, "请填写评价内容"),
        ({"period": "期" * 33, "body": "x"}, "评价期间最多 32 个字"),
        ({"period": "2025年", "body": "字" * 2001}, "评价内容最多 2000 个字"),
    ],
)
def test_bad_evaluations_are_refused(client, login, w, data, message):
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    login("ent_a")
    token = csrf_of(client.get(f"/plans/{plan.id}"))
    response = client.post(
        f"/plans/{plan.id}/evaluations", data={"csrf_token": token, **data}, follow_redirects=True
    )
    assert message in page(response)
    assert db.session.scalar(select(func.count(PlanEvaluation.id))) == 0


def test_only_the_enterprise_writes_evaluations(client, login, w):
    plan = make_plan(w, due_on=TODAY + timedelta(days=10))
    login("city_a")
    token = csrf_of(client.get("/plans/report"))
    response = client.post(
        f"/plans/{plan.id}/evaluations",
        data={"csrf_token": token, "period": "2025年", "body": "好"},
    )
    assert response.status_code == 403


# ---------------------------------------------------------------- report


def _span(w, key, seconds, day):
    course = w["courses"][0]
    chapter = Chapter(course_id=course.id, title="第一章")
    db.session.add(chapter)
    db.session.flush()
    lesson = Lesson(course_id=course.id, chapter_id=chapter.id, title="第一课", kind="text")
    db.session.add(lesson)
    db.session.flush()
    start = utc(day)
    db.session.add(
        StudySpan(
            employee_id=w["p"][key].id,
            lesson_id=lesson.id,
            started_at=start,
            ended_at=start + timedelta(seconds=seconds),
            seconds=seconds,
        )
    )
    db.session.commit()


def test_completion_report_for_a_city(client, login, w):
    make_plan(w, due_on=TODAY + timedelta(days=10))  # ent_a: 3 guards + fitter
    make_plan(w, due_on=TODAY + timedelta(days=10), people=(), ent="ent_b")  # ent_b: 1 guard
    progress(w, "s1", 0, 3600, TODAY)
    progress(w, "s1", 1, 3600, TODAY)
    progress(w, "b1", 0, 3600, TODAY)
    progress(w, "b1", 1, 3600, TODAY)
    _span(w, "s1", 5400, TODAY)
    _span(w, "s2", 1800, date(TODAY.year - 1, 6, 1))  # last year: not this year's hours
    login("city_a")
    response = client.get("/plans/report")
    assert response.status_code == 200
    assert summary(response) == {
        "assigned": "4",
        "completed": "1",
        "percent": "25.0%",
        "hours": "2.0",
    }
    body = page(response)
    assert w["ent_a"].name in body and w["ent_b"].name not in body and "乙保安" not in body
    rows = re.findall(
        r"<tr><td>([^<]+)<div[^>]*>[^<]*</div></td><td[^>]*>[^<]*</td><td>[^<]*</td>"
        r'<td class="text-end">([\d.]+)</td><td class="text-end">(\d+)</td>',
        body,
    )
    assert rows[0] == ("保安一", "1.5", "2")
    assert ("保安二", "0.0", "0") in rows
    assert len(rows) == 5  # on-duty staff of ent_a only
    by_post = page(client.get("/plans/report?post=maintenance"))
    assert summary(client.get("/plans/report?post=maintenance"))["assigned"] == "1"
    assert "保安一" not in by_post
    wb = load_workbook(BytesIO(client.get("/plans/report.xlsx").data))
    assert wb.sheetnames == ["按企业", "按岗位", "人员学时"]
    assert list(wb["按企业"].values)[1] == (w["ent_a"].name, 4, 1, 0, 25.0, 2.0)
    assert list(wb["人员学时"].values)[1] == ("保安一", w["ent_a"].name, "保安", 1.5, 2)


def test_province_report_filters_by_region_and_enterprise(client, login, w):
    make_plan(w, due_on=TODAY + timedelta(days=10))
    make_plan(w, due_on=TODAY + timedelta(days=10), people=(), ent="ent_b")
    login("province")
    assert summary(client.get("/plans/report"))["assigned"] == "5"
    assert summary(client.get(f"/plans/report?region_id={w['region_a'].id}"))["assigned"] == "4"
    assert summary(client.get(f"/plans/report?enterprise_id={w['ent_b'].id}"))["assigned"] == "1"
    login("city_a")  # a city cannot widen its scope by the filters
    assert summary(client.get(f"/plans/report?enterprise_id={w['ent_b'].id}"))["assigned"] == "4"
    assert "培训完成情况报表" in page(client.get("/plans/"))


def test_demo_plans_are_idempotent_and_show_every_state(app, runner):
    from app.demo import load_demo_data
    from app.demo.plans import load_demo_plans

    load_demo_data()
    if not db.session.scalar(select(func.count(Course.id)).where(Course.status == PUBLISHED)):
        db.session.add(Course(title="演示课程", category="post", status=PUBLISHED))
        db.session.flush()
        load_demo_plans()
    db.session.commit()
    counts = (
        db.session.scalar(select(func.count(TrainingPlan.id))),
        db.session.scalar(select(func.count(CourseProgress.id))),
        db.session.scalar(select(func.count(PlanEvaluation.id))),
    )
    load_demo_plans()
    db.session.commit()
    assert counts == (
        db.session.scalar(select(func.count(TrainingPlan.id))),
        db.session.scalar(select(func.count(CourseProgress.id))),
        db.session.scalar(select(func.count(PlanEvaluation.id))),
    )
    assert counts[0] == 7 and counts[2] == 1  # ent1: one per post and a past one; ent2: one
    for plan in db.session.scalars(select(TrainingPlan)):
        for planned in plan.courses:  # a post's plan holds that post's courses only
            assert not planned.course.posts or set(plan.posts) <= set(planned.course.posts)
    from app.courses.plans import plan_rows, summarise

    states = {}
    for plan in db.session.scalars(select(TrainingPlan)):
        s = summarise(plan_rows(plan, TODAY))
        for key, value in s["counts"].items():
            states[key] = states.get(key, 0) + value
        states["late_completion"] = states.get("late_completion", 0) + s["late_completion"]
    assert all(states[k] > 0 for k in ("completed", "in_progress", "late", "late_completion"))


# ---------------------------------------------------------------- sent twice


def _once_of(response) -> str:
    match = re.search(r'name="once" type="hidden" value="([^"]+)"', page(response))
    assert match, "the form carries no once token"
    return match.group(1)


def test_a_plan_form_sent_twice_creates_one_plan(client, login, w):
    login("ent_a")
    shown = client.get("/plans/new")
    data = {"csrf_token": csrf_of(shown), "once": _once_of(shown), **form(w)}
    assert client.post("/plans/new", data=data).status_code == 302
    again = client.post("/plans/new", data=data)
    assert again.status_code == 200 and "请勿重复提交" in page(again)
    assert db.session.scalar(select(func.count()).select_from(TrainingPlan)) == 1


def test_a_plan_form_shown_again_with_errors_can_be_corrected_and_sent(client, login, w):
    login("ent_a")
    shown = client.get("/plans/new")
    data = {"csrf_token": csrf_of(shown), "once": _once_of(shown), **form(w, title="")}
    refused = client.post("/plans/new", data=data)
    assert "请填写计划名称" in page(refused)
    fixed = {**data, "title": "改好了", "once": _once_of(refused)}
    assert client.post("/plans/new", data=fixed).status_code == 302
    assert db.session.scalar(select(TrainingPlan.title)) == "改好了"
