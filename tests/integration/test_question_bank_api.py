"""The question bank through the API: imports, questions, versions, scope, exports."""

import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from question_bank.models import KnowledgePoint, Question, QuestionVersion

MOODLE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "moodle"

HEADERS = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "选项G",
    "选项H",
    "答案",
    "解析",
    "知识点",
    "难度",
    "岗位",
    "等级",
]


def row(
    type_, stem, options=(), answer="", explanation="", point="", difficulty="", posts="", levels=""
):
    options = list(options) + [None] * (8 - len(options))
    return [type_, stem, *options, answer, explanation, point, difficulty, posts, levels]


GOOD_ROWS = [
    row(
        "单选",
        "物业服务合同终止后，原物业服务人应当在约定期限内退出物业服务区域，并做好哪项工作？",
        ["交接", "续签", "涨价", "停水"],
        "A",
        "民法典第九百四十九条",
        "法律法规/民法典/物业服务合同",
        "中等",
        "项目经理、客服",
        "四级、三级",
    ),
    row(
        "多选",
        "下列属于业主共同决定事项的有：",
        ["制定管理规约", "选举业主委员会", "个人装修", "使用维修资金"],
        "ABD",
        "民法典第二百七十八条",
        "法律法规/民法典/业主的建筑物区分所有权",
        "困难",
    ),
    row(
        "判断",
        "干粉灭火器可以扑救带电设备初起火灾。",
        answer="对",
        point="安全管理/消防",
        difficulty="容易",
        posts="保安",
    ),
    row(
        "填空",
        "业主大会或者____可以依法解聘物业服务人。",
        answer="业主委员会/业委会",
        point="法律法规/民法典/物业服务合同",
    ),
]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for r in rows:
        book.active.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def owner(make, login):
    make.user(Role.PROVINCE_ADMIN, username="bank_owner")
    return {"X-CSRFToken": login("bank_owner")}


def upload(client, headers, data, filename="试题.xlsx", **query):
    return client.post(
        "/api/v1/question-bank/imports",
        query_string=query,
        data={"file": (io.BytesIO(data), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def count(model=Question) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_the_template_has_the_contract_headers(client, owner):
    response = client.get("/api/v1/question-bank/import-template")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS


def test_an_excel_import_creates_questions_and_knowledge_points(client, owner):
    response = upload(client, owner, xlsx(GOOD_ROWS))
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"imported": 4, "skipped": []}
    paths = set(db.session.scalars(select(KnowledgePoint.path)))
    assert {"法律法规", "法律法规/民法典", "法律法规/民法典/物业服务合同", "安全管理/消防"} <= paths

    listed = client.get("/api/v1/questions?tag=法律法规/民法典").get_json()
    assert listed["total"] == 3  # descendants included
    fill = client.get("/api/v1/questions?type=fill").get_json()["items"][0]
    assert fill["answer"] == ["业主委员会"]
    assert fill["accepted_answers"] == [["业主委员会", "业委会"]]
    single = client.get("/api/v1/questions?q=退出物业服务区域").get_json()["items"][0]
    assert single["answer"] == "A"
    assert single["options"][0] == {"key": "A", "text": "交接"}
    assert single["tags"] == ["法律法规/民法典/物业服务合同"]
    assert single["difficulty"] == "medium"


def test_a_bad_row_imports_nothing_and_names_row_and_column(client, owner):
    bad = GOOD_ROWS + [
        row("单选", "题干正常但答案不存在", ["甲", "乙"], "E"),
        row("多选", "多选只给一个答案", ["甲", "乙", "丙"], "A"),
        row("问答", "不是支持的题型"),
        row("单选", "", ["甲", "乙"], "A"),
    ]
    response = upload(client, owner, xlsx(bad))
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert {d["row"] for d in details} == {6, 7, 8, 9}
    assert all(d["message"] for d in details)
    assert any(d.get("column") == "答案" for d in details)
    assert count() == 0


def test_duplicates_and_unsupported_kinds_are_skipped_with_a_reason(client, owner):
    upload(client, owner, xlsx(GOOD_ROWS[:1]))
    again = upload(client, owner, xlsx(GOOD_ROWS[:2] + GOOD_ROWS[1:2]))
    body = again.get_json()
    assert again.status_code == 201, body
    assert body["imported"] == 1
    reasons = [s["reason"] for s in body["skipped"]]
    assert len(reasons) == 2 and all("重复" in r for r in reasons)

    gift = (MOODLE_FIXTURES / "gift_examples.txt").read_bytes()
    report = upload(client, owner, gift, filename="examples.gift")
    assert report.status_code == 201, report.get_json()
    reasons = [s["reason"] for s in report.get_json()["skipped"]]
    assert sum("numerical" in r for r in reasons) == 8
    assert sum("match" in r for r in reasons) == 3
    assert report.get_json()["imported"] + len(reasons) == 43  # every question accounted for


def test_a_moodle_xml_file_imports_its_categories(client, owner):
    data = (MOODLE_FIXTURES / "nested_categories_with_questions.xml").read_bytes()
    response = upload(client, owner, data, filename="moodle.xml")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["imported"] == 4
    assert [s["reason"] for s in body["skipped"]] and "essay" in body["skipped"][0]["reason"]
    paths = set(db.session.scalars(select(KnowledgePoint.path)))
    assert "Iota/Kappa/Lambda" in paths


def test_a_dry_run_previews_without_writing(client, owner):
    response = upload(client, owner, xlsx(GOOD_ROWS), dry_run="true")
    assert response.status_code == 200
    assert response.get_json()["would_import"] == 4
    assert count() == 0


def test_exports_re_import_to_the_same_questions(client, owner, make, login):
    upload(client, owner, xlsx(GOOD_ROWS))
    before = client.get("/api/v1/questions?per_page=50").get_json()["items"]
    excel = client.get("/api/v1/question-bank/export?format=xlsx").data
    xml = client.get("/api/v1/question-bank/export?format=xml").data

    enterprise = make.enterprise()
    make.user(Role.ENTERPRISE_ADMIN, username="ent_bank", enterprise=enterprise)
    headers = {"X-CSRFToken": login("ent_bank")}
    for data, name in ((excel, "导出.xlsx"), (xml, "导出.xml")):
        response = upload(client, headers, data, filename=name)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["imported"] in (4, 0)
    after = client.get(f"/api/v1/questions?bank=e{enterprise.id}&per_page=50").get_json()["items"]

    def essence(items):
        keys = ("type", "stem", "options", "answer", "tags", "difficulty", "posts", "levels")
        return sorted(tuple(str(q[k]) for k in keys) for q in items)

    assert essence(after) == essence(before)  # the XML import found them all duplicates


def test_editing_makes_a_new_version_and_keeps_the_old(client, owner):
    upload(client, owner, xlsx(GOOD_ROWS[:1]))
    question = client.get("/api/v1/questions").get_json()["items"][0]
    body = {
        "type": "single",
        "stem": "物业服务合同终止后，原物业服务人应当做好哪项工作？",
        "options": question["options"],
        "answer": "A",
        "tags": question["tags"],
    }
    response = client.put(f"/api/v1/questions/{question['id']}", json=body, headers=owner)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 2
    assert count(QuestionVersion) == 2
    same = client.put(f"/api/v1/questions/{question['id']}", json=body, headers=owner)
    assert same.get_json()["version"] == 2  # nothing changed: no new version


def test_invalid_questions_are_refused_in_chinese(client, owner):
    body = {
        "type": "single",
        "stem": "两个正确答案？",
        "answer": ["A", "B"],
        "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}],
    }
    response = client.post("/api/v1/questions", json=body, headers=owner)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"]
    assert count() == 0


def test_retired_questions_leave_the_active_list(client, owner):
    upload(client, owner, xlsx(GOOD_ROWS))
    first = client.get("/api/v1/questions").get_json()["items"][0]
    assert client.post(f"/api/v1/questions/{first['id']}/retire", headers=owner).status_code == 200
    assert client.get("/api/v1/questions").get_json()["total"] == 3
    assert client.get("/api/v1/questions?status=retired").get_json()["total"] == 1
    assert client.get(f"/api/v1/questions/{first['id']}").get_json()["status"] == "retired"


def test_only_owners_see_answers_and_others_are_out_of_scope(client, owner, make, login):
    upload(client, owner, xlsx(GOOD_ROWS))
    question_id = client.get("/api/v1/questions").get_json()["items"][0]["id"]

    region = make.region()
    make.user(Role.CITY_ADMIN, username="reader", region=region)
    login("reader")
    seen = client.get(f"/api/v1/questions/{question_id}").get_json()
    assert "answer" not in seen and "explanation" not in seen
    assert (
        client.put(
            f"/api/v1/questions/{question_id}",
            json={"type": "fill", "stem": "x"},
            headers={"X-CSRFToken": login("reader")},
        ).status_code
        == 403
    )

    enterprise = make.enterprise()
    trainee = make.user(Role.TRAINEE, username="learner", employee=make.employee(enterprise))
    assert trainee
    login("learner")
    assert client.get(f"/api/v1/questions/{question_id}").status_code == 404
    assert client.get("/api/v1/questions").status_code == 404


def test_knowledge_point_counts_give_type_and_difficulty(client, owner):
    upload(client, owner, xlsx(GOOD_ROWS))
    items = client.get("/api/v1/question-bank/knowledge-points").get_json()["items"]
    contract = next(i for i in items if i["path"] == "法律法规/民法典/物业服务合同")
    assert contract["total"] == 2
    assert contract["single:medium"] == 1
    assert contract["fill:medium"] == 1


def test_an_import_says_what_it_kept_differently(client, owner):
    gift = (
        "::反馈::物业服务合同应当采用什么形式？{=书面#正确。 ~口头#不对。}\n\n"
        "::部分::《物业管理条例》由{=国务院 =%50%国家}颁布。\n\n"
        "::重复::[markdown]消防通道**严禁**占用。{T}\n\n"
        "::原题::[html]消防通道<b>严禁</b>占用。{T}\n"
    )
    preview = upload(client, owner, gift.encode("gb18030"), filename="题.gift", dry_run="true")
    assert preview.status_code == 200
    body = preview.get_json()
    assert body["file_notes"] == ["文件编码：GB18030（非 UTF-8，已自动识别）"]
    assert body["notes"] == [
        {"source": "第 1 题（反馈）", "notes": ["答案反馈已并入解析"]},
        {"source": "第 2 题（部分）", "notes": ["部分得分的备选答案“国家”（50%）未导入"]},
    ]
    assert body["skipped"] == [
        {"source": "第 4 题（原题）", "reason": "与本文件第 3 题（重复）重复"}
    ]

    done = upload(client, owner, gift.encode("gb18030"), filename="题.gift")
    assert done.status_code == 201
    assert done.get_json()["imported"] == 3 and done.get_json()["notes"] == body["notes"]
    stems = set(db.session.scalars(select(QuestionVersion.stem)))
    assert "消防通道严禁占用。" in stems
