"""The question bank's pages as their users work with them: browse, write, images, import.

Forms are filled in as a browser would: the page's own form is read (its defaults, the
values an edit page shows), the fields a user changes are overridden, and the whole form
is posted with the page's CSRF token. The API has tests of its own.
"""

import html
import re
import struct
import zlib
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from app.orgs.rules.posts import Post
from question_bank import services
from question_bank.models import PROVINCIAL_BANK, Question, QuestionVersion, enterprise_bank
from question_bank.rules.excel import excel_rows
from question_bank.rules.types import Difficulty, FillRules, Option, QuestionDraft, QuestionType
from tests.integration.page_helpers import csrf_of, form_login, page, xlsx

MOODLE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "moodle"
NEW = "/question-bank/questions/new"
IMPORT = "/question-bank/import"
CONFIRM = "/question-bank/import/confirm"


# --- reading pages -------------------------------------------------------------------------


class _FormReader(HTMLParser):
    """What a browser would submit for one form of a page, before the user changes anything.

    Textareas drop the newline right after the opening tag and send CRLF line breaks, as
    browsers do; file inputs and buttons send nothing.
    """

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: list[str] | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "option" and self._select is not None:
            self._option(attrs)
            return
        if tag == "form":
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if not self.inside or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = [name, ""]
        elif tag == "select":
            self._select = {"name": name, "first": None, "selected": []}

    def _option(self, attrs) -> None:
        a = dict(attrs)
        value = a.get("value") or ""
        if self._select["first"] is None:
            self._select["first"] = value
        if "selected" in a:
            self._select["selected"].append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            text = text.replace("\r\n", "\n")
            if text.startswith("\n"):
                text = text[1:]
            self.fields.append((name, text.replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["selected"] or [self._select["first"]]
            self.fields += [(self._select["name"], v) for v in chosen if v is not None]
            self._select = None


def form_values(response, form_id: str | None = "question-form") -> dict[str, list[str]]:
    """The fields of a page's form as the browser would post them."""
    reader = _FormReader(form_id)
    reader.feed(response.get_data(as_text=True))
    values: dict[str, list[str]] = {}
    for name, value in reader.fields:
        values.setdefault(name, []).append(value)
    return values


def fill_in(client, url: str, changes: dict, files: dict | None = None):
    """Open the form at `url`, change some fields (None clears one), and post it."""
    form_page = client.get(url)
    assert form_page.status_code == 200, form_page.status_code
    data = form_values(form_page)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    data.update(files or {})
    return client.post(url, data=data, content_type="multipart/form-data")


def text(response) -> str:
    """The words of a page, tags left out and whitespace runs made one space."""
    body = re.sub(r"<script.*?</script>|<[^>]+>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(body))


def listed_stems(response) -> list[str]:
    """The stems listed on the bank's page, in order."""
    return [
        html.unescape(s)
        for s in re.findall(
            r'<div class="qb-stem-line[^"]*"[^>]*>(.*?)</div>', response.get_data(True)
        )
    ]


def table_rows(response) -> list[list[str]]:
    """The cells (as text) of each row of the first table body of a page."""
    body = response.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def count(model=Question) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def question_id_of(response) -> int:
    """The question a redirect after saving points at."""
    assert response.status_code == 302, page(response)
    match = re.search(r"/question-bank/questions/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


# --- test data ---------------------------------------------------------------------------


def draft(
    type_: str = "single",
    stem: str = "物业服务人应当履行哪项义务？",
    *,
    point: str | None = None,
    difficulty: str = "medium",
    posts: tuple = (),
    levels: tuple = (),
    explanation: str = "",
) -> QuestionDraft:
    kind = QuestionType(type_)
    options, answer, blanks = [], None, []
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = [Option("A", "及时维修"), Option("B", "拒绝服务"), Option("C", "擅自涨价")]
        answer = "A" if kind is QuestionType.SINGLE else ["A", "C"]
    elif kind is QuestionType.TRUE_FALSE:
        answer = True
    else:
        blanks = [["业主委员会", "业委会"]]
    return QuestionDraft(
        type=kind,
        stem=stem,
        options=options,
        answer=answer,
        blanks=blanks,
        explanation=explanation,
        knowledge_point=point,
        difficulty=Difficulty(difficulty),
        posts=list(posts),
        levels=list(levels),
    )


def seed(*args, bank: str = PROVINCIAL_BANK, retired: bool = False, **kwargs) -> Question:
    """A question (see `draft`) put straight into `bank`, as an import would."""
    question = services.create_question(bank, draft(*args, **kwargs))
    if retired:
        services.set_retired(question, True)
    db.session.commit()
    return question


def png(seed_byte: int = 0) -> bytes:
    """A real 1×1 PNG; `seed_byte` varies its pixel (and so its stored name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, seed_byte, 128, 255]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def stored_images(app) -> set[str]:
    folder = Path(app.instance_path) / "uploads" / "question-images"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def pending_imports(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads" / "pending-imports"
    return sorted(folder.iterdir()) if folder.is_dir() else []


GIFT = """\
$CATEGORY: $course$/top/法律法规/民法典

::Q1:: 物业服务合同终止后，原物业服务人应当做好什么？ {=交接工作 ~继续收费 ~停止供水}

::Q2:: 下列属于业主共同决定事项的有： {~%50%制定管理规约 ~%50%选举业主委员会 ~%-100%个人装修}

::Q3:: 干粉灭火器可以扑救带电设备初起火灾。{T}

::Q4:: 业主大会或者{=业主委员会 =业委会}可以依法解聘物业服务人。

::Q5:: 小区共有几个出入口？ {#3}

::Q6:: 请将岗位与工作地点配对： {=保安 -> 门岗 =保洁 -> 楼道 =绿化 -> 草坪}
"""


def template_xlsx(drafts: list[QuestionDraft]) -> bytes:
    rows = excel_rows(drafts)
    return xlsx(rows[1:], headers=rows[0])


def upload(client, data: bytes, filename: str):
    """Upload a file on the import page; answers the preview (or the form again)."""
    form_page = client.get(IMPORT)
    assert form_page.status_code == 200
    return client.post(
        IMPORT,
        data={"csrf_token": csrf_of(form_page), "file": (BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, preview):
    """Press 确认导入 on a preview page."""
    values = form_values(preview, form_id=None)
    return client.post(CONFIRM, data={k: v[0] for k, v in values.items()})


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def admin(client, make, login):
    """The test client, logged in as a provincial admin (the provincial bank's owner)."""
    make.user(Role.PROVINCE_ADMIN, username="qb_province", display_name="省协会题库管理员")
    login("qb_province")
    return client


@pytest.fixture
def enterprise(make):
    return make.enterprise(name="石家庄市安泰物业服务有限公司")


# --- browsing ------------------------------------------------------------------------------


@pytest.fixture
def bank():
    """A small provincial bank with one question per filter to tell apart."""
    return {
        "contract": seed(
            stem="物业服务合同终止后原物业服务人应当交接",
            point="法律法规/民法典/物业服务合同",
            difficulty="easy",
            posts=(Post.PROJECT_MANAGER.value,),
            levels=(4,),
        ),
        "owners": seed(
            "multiple",
            "业主共同决定事项包括哪些",
            point="法律法规/民法典/业主的建筑物区分所有权",
            difficulty="hard",
        ),
        "fire": seed(
            "true_false",
            "干粉灭火器可以扑救带电设备初起火灾",
            point="安全管理/消防",
            posts=(Post.SECURITY.value,),
            levels=(5,),
        ),
        "fill": seed("fill", "业主大会或者____可以依法解聘物业服务人", point="法律法规/民法典"),
        "law_other": seed(stem="物业管理条例规定的前期物业服务", point="法律法规/物业管理条例"),
        "retired": seed(
            stem="已经停用的旧题：消防通道可以停车", point="安全管理/消防", retired=True
        ),
    }


def stems_of(bank, *keys) -> set[str]:
    return {bank[k].current.stem for k in keys}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["contract", "owners", "fire", "fill", "law_other"]),
        ("type=multiple", ["owners"]),
        ("type=true_false", ["fire"]),
        ("difficulty=easy", ["contract"]),
        ("difficulty=hard", ["owners"]),
        # A knowledge point includes the points below it, and only those.
        ("tag=法律法规/民法典", ["contract", "owners", "fill"]),
        ("tag=法律法规", ["contract", "owners", "fill", "law_other"]),
        ("tag=法律法规/民法典/物业服务合同", ["contract"]),
        ("tag=法律法规/民", []),
        ("tag=安全管理/消防&type=single", []),
        ("q=民法典", []),  # the stem is searched, not the knowledge point
        ("q=带电设备", ["fire"]),
        ("q=业主", ["owners", "fill"]),
        # Questions for every post (or level) suit each post (or level) too.
        ("post=security", ["owners", "fire", "fill", "law_other"]),
        ("post=project_manager", ["contract", "owners", "fill", "law_other"]),
        ("level=5", ["owners", "fire", "fill", "law_other"]),
        ("level=4", ["contract", "owners", "fill", "law_other"]),
        ("status=retired", ["retired"]),
        ("status=all&tag=安全管理", ["fire", "retired"]),
    ],
)
def test_the_bank_filters_as_asked(admin, bank, query, expected):
    response = admin.get(f"/question-bank/?{query}")
    assert response.status_code == 200
    assert set(listed_stems(response)) == stems_of(bank, *expected)


def test_the_list_shows_classification_and_keeps_the_filters_in_the_form(admin, bank):
    response = admin.get("/question-bank/?type=fill&tag=法律法规&difficulty=medium&level=4")
    body = page(response)
    assert listed_stems(response) == [bank["fill"].current.stem]
    assert "填空" in body and "中等" in body and "法律法规/民法典" in body
    assert f"#{bank['fill'].id} · 第 1 版" in body
    values = form_values(response, form_id=None)
    assert values["type"] == ["fill"]
    assert values["tag"] == ["法律法规"]
    assert values["difficulty"] == ["medium"]
    assert values["level"] == ["4"]
    assert values["status"] == ["active"]
    # The knowledge points are offered for the tag box.
    assert '<option value="法律法规/民法典/物业服务合同">' in response.get_data(as_text=True)


def test_the_list_pages_by_twenty_keeping_the_filters(admin):
    for number in range(1, 26):
        seed("true_false", f"第{number:02d}道判断题：物业服务应当公开收费标准", point="服务规范")
    seed(stem="一道不同题型的题", point="服务规范")
    first = admin.get("/question-bank/?type=true_false")
    assert len(listed_stems(first)) == 20
    assert listed_stems(first)[0].startswith("第25道")  # newest first
    assert "第 1 / 2 页，共 25 条" in page(first)
    next_link = re.search(r'href="([^"]*page=2[^"]*)">下一页', first.get_data(as_text=True))
    assert next_link, "no link to page 2"
    second = admin.get(html.unescape(next_link.group(1)))
    assert [s[:4] for s in listed_stems(second)] == [f"第{n:02d}道" for n in range(5, 0, -1)]
    assert "上一页" in page(second) and "下一页" not in page(second)
    assert listed_stems(admin.get("/question-bank/?type=true_false&page=9")) == []


def test_knowledge_point_counts_by_type_and_difficulty(admin, bank):
    seed(stem="另一道容易的单选题", point="法律法规/民法典/物业服务合同", difficulty="easy")
    seed(stem="一道没有知识点的题")
    response = admin.get("/question-bank/knowledge-points")
    assert response.status_code == 200
    columns = [(t.value, d.value) for t in QuestionType for d in Difficulty]
    table = {}
    for cells in table_rows(response):
        counts = {col: int(c) for col, c in zip(columns, cells[1:-1], strict=True) if c}
        table[cells[0]] = (counts, int(cells[-1]))
    assert table == {
        "法律法规/民法典": ({("fill", "medium"): 1}, 1),
        "法律法规/民法典/业主的建筑物区分所有权": ({("multiple", "hard"): 1}, 1),
        "法律法规/民法典/物业服务合同": ({("single", "easy"): 2}, 2),
        "法律法规/物业管理条例": ({("single", "medium"): 1}, 1),
        "安全管理/消防": ({("true_false", "medium"): 1}, 1),  # the retired one left out
        "（未分类）": ({("single", "medium"): 1}, 1),
    }
    # Each knowledge point leads to its questions.
    assert 'href="/question-bank/?bank=province&amp;tag=' in response.get_data(as_text=True)


def test_the_empty_bank_says_how_to_start(admin):
    listing = admin.get("/question-bank/")
    body = text(listing)
    assert "省协会题库还没有试题。" in body and "没有符合条件的试题" not in body
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', listing.get_data(as_text=True))
    assert ("/question-bank/questions/new", "新建试题") in links
    assert ("/question-bank/import", "从 Excel 导入") in links
    assert ("/api/v1/question-bank/import-template", "下载导入模板") in links
    assert ("/question-bank/import", "导入 GIFT 或 Moodle XML 文件") in links
    assert "题库中还没有试题" in page(admin.get("/question-bank/knowledge-points"))

    # A bank with questions, none of them matching, says just that.
    seed(stem="已有的题")
    body = text(admin.get("/question-bank/?q=没有这样的题"))
    assert "没有符合条件的试题" in body and "还没有试题" not in body
    # Retired questions are questions too: the bank is not new.
    body = text(admin.get("/question-bank/?status=retired"))
    assert "没有符合条件的试题" in body


def test_an_empty_bank_read_by_others_offers_no_buttons(client, make, login):
    make.user(Role.CITY_ADMIN, username="qb_city_empty", region=make.region("石家庄"))
    login("qb_city_empty")
    body = text(client.get("/question-bank/"))
    assert "省协会题库还没有试题。" in body
    assert "题库管理者添加试题后，这里会列出。" in body and "新建试题" not in body


# --- writing questions ---------------------------------------------------------------------

CLASSIFICATION = {
    "knowledge_point": " 法律法规 / 民法典 / 物业服务合同 ",
    "difficulty": "hard",
    "posts": ["security", "customer_service"],
    "levels": ["4", "3"],
    "explanation": "民法典第九百四十二条",
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {
                "type": "single",
                "stem": "物业服务人发现违法行为应当怎么做？",
                "option_a": "及时制止并报告",
                "option_b": "视而不见",
                "option_c": "收费后放行",
                "correct": ["A"],
            },
            {"options": ["及时制止并报告", "视而不见", "收费后放行"], "answer": "A", "blanks": []},
        ),
        (
            {
                "type": "multiple",
                "stem": "下列属于物业服务人义务的有：",
                "option_a": "维修养护共用部位",
                "option_b": "维护公共秩序",
                "option_c": "擅自改变共用部分用途",
                "option_d": "及时公开服务事项",
                "correct": ["D", "A", "B"],
            },
            {
                "options": [
                    "维修养护共用部位",
                    "维护公共秩序",
                    "擅自改变共用部分用途",
                    "及时公开服务事项",
                ],
                "answer": ["A", "B", "D"],
                "blanks": [],
            },
        ),
        (
            {"type": "true_false", "stem": "业主可以拒绝缴纳物业费。", "true_false": "false"},
            {"options": [], "answer": False, "blanks": []},
        ),
        (
            {
                "type": "fill",
                "stem": "业主依法共同决定续聘的，应当与原物业服务人在____续订合同。",
                "blanks": "合同期限届满前 / 期满前\n\n",
                "fill_ignore_case": "y",
                "fill_ignore_width": None,
            },
            {
                "options": [],
                "answer": None,
                "blanks": [["合同期限届满前", "期满前"]],
                "fill_rules": {"trim": True, "ignore_width": False, "ignore_case": True},
            },
        ),
    ],
    ids=["single", "multiple", "true_false", "fill"],
)
def test_each_type_is_written_through_the_form(admin, changes, expected):
    response = fill_in(admin, NEW, {**changes, **CLASSIFICATION})
    question = db.session.get(Question, question_id_of(response))
    version = question.current
    assert question.bank == PROVINCIAL_BANK
    assert (question.type, question.version, question.status) == (changes["type"], 1, "active")
    assert version.stem == changes["stem"]
    assert [o["text"] for o in version.options] == expected["options"]
    assert [o["key"] for o in version.options] == list("ABCD"[: len(expected["options"])])
    assert version.answer == expected["answer"]
    assert version.blanks == expected["blanks"]
    assert version.fill_rules == expected.get(
        "fill_rules", {"trim": True, "ignore_width": True, "ignore_case": False}
    )
    assert version.explanation == "民法典第九百四十二条"
    assert question.knowledge_point.path == "法律法规/民法典/物业服务合同"
    assert question.knowledge_point.parent.path == "法律法规/民法典"
    assert question.difficulty == "hard"
    assert services.draft_of(question).posts == ["customer_service", "security"]
    assert services.draft_of(question).levels == [4, 3]

    detail = admin.get(response.headers["Location"])
    body = text(detail)
    assert "试题已保存（第 1 版）。" in body
    assert changes["stem"] in body
    assert "法律法规/民法典/物业服务合同 · 困难 · 第 1 版" in body
    assert "岗位：客服、保安 · 等级：四级/中级工、三级/高级工" in body
    assert "解析：民法典第九百四十二条" in body


def test_the_new_form_offers_every_field_with_sensible_defaults(admin):
    response = admin.get(NEW + "?type=fill")
    values = form_values(response)
    assert values["type"] == ["fill"]
    assert values["difficulty"] == ["medium"]
    assert values["fill_trim"] == ["y"] and values["fill_ignore_width"] == ["y"]
    assert "fill_ignore_case" not in values and "correct" not in values
    text = response.get_data(as_text=True)
    for name in [f"option_{k}" for k in "abcdefgh"] + ["blanks", "explanation", "knowledge_point"]:
        assert f'name="{name}"' in text, name
    assert 'type="file"' in text and 'name="image"' in text
    assert text.count('name="posts"') == len(Post) and text.count('name="levels"') == 5
    assert 'enctype="multipart/form-data"' in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"type": "single", "option_a": "甲", "option_b": "乙", "correct": ["A", "B"]},
            "单选题应有且只有一个正确答案",
        ),
        ({"type": "single", "option_a": "甲", "option_b": "乙"}, "单选题应有且只有一个正确答案"),
        (
            {"type": "multiple", "option_a": "甲", "option_b": "乙", "correct": ["B"]},
            "多选题至少要有 2 个正确答案",
        ),
        (
            {"type": "multiple", "option_a": "甲", "option_c": "丙", "correct": ["A", "C"]},
            "选项 B 的内容为空",
        ),
        ({"type": "single", "option_a": "甲", "correct": ["A"]}, "选择题至少需要 2 个选项"),
        (
            {"type": "single", "option_a": "相同", "option_b": "相同", "correct": ["A"]},
            "选项 B 与选项 A 内容相同",
        ),
        ({"type": "true_false"}, "判断题的答案应为“对”或“错”"),
        ({"type": "fill", "blanks": ""}, "填空题至少要有一个空的答案"),
        ({"type": "fill", "blanks": "甲\n / \n"}, "第 2 空没有填写可接受的答案"),
        (
            {"type": "true_false", "true_false": "true", "stem": "   "},
            "请填写题干",
        ),
        ({"type": "essay", "true_false": "true"}, "不是有效的选择。"),
    ],
    ids=[
        "single-two-correct",
        "single-none-correct",
        "multiple-one-correct",
        "option-gap",
        "one-option",
        "same-options",
        "true-false-unanswered",
        "fill-no-blanks",
        "fill-only-separators",
        "empty-stem",
        "unknown-type",
    ],
)
def test_invalid_questions_are_refused_in_chinese_and_nothing_is_written(admin, changes, message):
    stem = changes.pop("stem", "一道写错了的试题<b>原样保留</b>")
    response = fill_in(admin, NEW, {"stem": stem, **changes})
    assert response.status_code == 200
    body = page(response)
    assert message in body
    assert count() == 0 and count(QuestionVersion) == 0
    # What was typed is still there to correct.
    if stem.strip():
        assert form_values(response)["stem"] == [stem]


def test_editing_content_makes_a_new_version_and_lists_the_old_one(admin):
    question = seed(stem="物业服务人应当履行哪项义务？", point="服务规范", explanation="旧解析")
    edit = f"/question-bank/questions/{question.id}/edit"
    form = form_values(admin.get(edit))
    assert form["stem"] == ["物业服务人应当履行哪项义务？"]
    assert form["option_a"] == ["及时维修"] and form["correct"] == ["A"]
    assert form["knowledge_point"] == ["服务规范"] and form["explanation"] == ["旧解析"]

    response = fill_in(admin, edit, {"option_b": "按约定提供服务", "correct": ["B"]})
    assert question_id_of(response) == question.id
    db.session.expire_all()
    assert question.version == 2
    first, second = question.versions
    assert (first.number, first.answer, first.options[1]["text"]) == (1, "A", "拒绝服务")
    assert (second.number, second.answer, second.options[1]["text"]) == (2, "B", "按约定提供服务")
    assert count() == 1

    detail = page(admin.get(f"/question-bank/questions/{question.id}"))
    assert "试题已保存（第 2 版）。" in detail
    assert "第 2 版" in detail and "历史版本" in detail and "第 1 版 ·" in detail
    current, old = detail.split("历史版本", 1)
    assert "B. 按约定提供服务 ✓" in current
    assert "A. 及时维修 ✓" in old and "B. 拒绝服务" in old


def test_editing_only_the_classification_keeps_the_version(admin):
    # Written by an import: a stem and explanation over several lines (LF line breaks).
    question = seed(
        "fill",
        "根据《物业管理条例》：\n业主大会或者____可以依法解聘物业服务人。",
        point="法律法规",
        explanation="第一行\n第二行",
    )
    edit = f"/question-bank/questions/{question.id}/edit"
    response = fill_in(
        admin,
        edit,
        {"knowledge_point": "法律法规/物业管理条例", "difficulty": "easy", "posts": ["cleaning"]},
    )
    assert question_id_of(response) == question.id
    db.session.expire_all()
    assert question.version == 1 and count(QuestionVersion) == 1
    assert question.knowledge_point.path == "法律法规/物业管理条例"
    assert question.difficulty == "easy" and question.posts == ",cleaning,"
    assert (
        question.current.stem == "根据《物业管理条例》：\n业主大会或者____可以依法解聘物业服务人。"
    )
    detail = page(admin.get(f"/question-bank/questions/{question.id}"))
    assert "试题已保存（第 1 版）。" in detail and "历史版本" not in detail

    # Saving the form untouched changes nothing either.
    fill_in(admin, edit, {})
    db.session.expire_all()
    assert question.version == 1 and count(QuestionVersion) == 1


def test_questions_written_in_a_browser_keep_their_line_breaks_as_imports_do(admin):
    response = fill_in(
        admin,
        NEW,
        {"type": "true_false", "stem": "第一行\r\n第二行", "true_false": "true"},
    )
    question = db.session.get(Question, question_id_of(response))
    assert question.current.stem == "第一行\n第二行"
    # So that the same question imported from a file is found a duplicate.
    preview = upload(admin, template_xlsx([services.draft_of(question)]), "同一题.xlsx")
    assert "与题库中已有试题重复" in page(preview)


def test_an_invalid_edit_changes_nothing(admin):
    question = seed("multiple", "多选题原题")
    response = fill_in(admin, f"/question-bank/questions/{question.id}/edit", {"correct": ["A"]})
    assert response.status_code == 200
    assert "多选题至少要有 2 个正确答案" in page(response)
    db.session.expire_all()
    assert question.version == 1 and question.current.answer == ["A", "C"]


def test_retiring_and_restoring_a_question(admin):
    question = seed(stem="要停用的试题")
    detail = admin.get(f"/question-bank/questions/{question.id}")
    assert "停用" in page(detail)
    retire = f"/question-bank/questions/{question.id}/retire"
    response = admin.post(retire, data={"csrf_token": csrf_of(detail)})
    assert response.status_code == 302
    db.session.expire_all()
    assert question.status == "retired"
    detail = admin.get(response.headers["Location"])
    assert "试题已停用，不会再进入新试卷。" in page(detail)
    assert "已停用" in page(detail) and "恢复使用" in page(detail)
    assert listed_stems(admin.get("/question-bank/")) == []
    assert listed_stems(admin.get("/question-bank/?status=retired")) == ["要停用的试题"]
    assert question.current.stem == "要停用的试题"  # still there for past attempts

    admin.post(retire, data={"csrf_token": csrf_of(detail)})
    db.session.expire_all()
    assert question.status == "active"
    assert listed_stems(admin.get("/question-bank/")) == ["要停用的试题"]


def test_retiring_needs_the_csrf_token(admin):
    question = seed(stem="不能被伪造请求停用")
    response = admin.post(f"/question-bank/questions/{question.id}/retire")
    assert response.status_code == 400
    db.session.expire_all()
    assert question.status == "active"


# --- images ------------------------------------------------------------------------------


def test_a_png_is_stored_and_served_safely_to_logged_in_users(admin, app):
    image = png(1)
    response = fill_in(
        admin,
        NEW,
        {"type": "true_false", "stem": "图中的标志表示禁止吸烟。", "true_false": "true"},
        files={"image": (BytesIO(image), "标志.PNG")},
    )
    question = db.session.get(Question, question_id_of(response))
    name = question.current.image
    assert re.fullmatch(r"[0-9a-f]{32}\.png", name)
    assert name in stored_images(app)

    detail = admin.get(f"/question-bank/questions/{question.id}")
    url = f"/question-bank/images/{name}"
    assert f'src="{url}"' in detail.get_data(as_text=True)
    with admin.get(url) as served:
        assert served.status_code == 200
        assert served.data == image
        assert served.mimetype == "image/png"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in served.headers["Content-Security-Policy"]

    anonymous = app.test_client()
    refused = anonymous.get(url)
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")


def test_replacing_and_removing_the_image_make_new_versions(admin):
    response = fill_in(
        admin,
        NEW,
        {"type": "true_false", "stem": "看图判断。", "true_false": "false"},
        files={"image": (BytesIO(png(2)), "a.png")},
    )
    question = db.session.get(Question, question_id_of(response))
    edit = f"/question-bank/questions/{question.id}/edit"
    form_page = admin.get(edit)
    assert f"/question-bank/images/{question.current.image}" in form_page.get_data(as_text=True)
    assert "删除现有图片" in page(form_page)

    fill_in(admin, edit, {}, files={"image": (BytesIO(png(3)), "b.png")})
    db.session.expire_all()
    assert question.version == 2 and question.versions[0].image != question.versions[1].image
    fill_in(admin, edit, {"remove_image": "y"})
    db.session.expire_all()
    assert question.version == 3 and question.current.image is None
    assert question.versions[1].image  # the old version keeps its image


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (
            b"<html><script>alert(1)</script></html>",
            "page.png",
            "只支持 PNG、JPEG、GIF、WebP 格式的图片",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "drawing.png",
            "只支持 PNG、JPEG、GIF、WebP 格式的图片",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "drawing.svg",
            "只支持 PNG、JPEG、GIF、WebP",
        ),
        (png(4) + b"\0" * (2 * 1024 * 1024), "huge.png", "图片不能超过 2 MB"),
        (b"", "empty.png", "图片文件为空"),
    ],
    ids=["html-as-png", "svg-as-png", "svg", "over-2mb", "empty"],
)
def test_files_that_are_not_safe_images_are_refused(admin, app, content, filename, message):
    before = stored_images(app)
    response = fill_in(
        admin,
        NEW,
        {"type": "true_false", "stem": "带图片的判断题", "true_false": "true"},
        files={"image": (BytesIO(content), filename)},
    )
    # The test client spools a large body to a temporary file and leaves it open.
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 200
    assert message in page(response)
    assert count() == 0
    assert stored_images(app) == before


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "passwd",
        "0123456789abcdef0123456789abcdef.png",  # well formed, not stored
        "0123456789abcdef0123456789abcdef.svg",
        "0123456789ABCDEF0123456789ABCDEF.png",
    ],
)
def test_image_names_that_are_not_stored_images_answer_404(admin, path):
    assert admin.get(f"/question-bank/images/{path}").status_code == 404


# --- escaping ----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_question_text_is_escaped_wherever_it_is_shown(admin):
    response = fill_in(
        admin,
        NEW,
        {
            "type": "single",
            "stem": f"题干{SCRIPT}",
            "option_a": "选项<img src=x onerror=alert(2)>",
            "option_b": "普通选项",
            "correct": ["A"],
            "explanation": f"解析{SCRIPT}",
            "knowledge_point": '知识点"><script>alert(3)</script>',
        },
    )
    question_id = question_id_of(response)
    pages = {
        "list": admin.get("/question-bank/"),
        "detail": admin.get(f"/question-bank/questions/{question_id}"),
        "edit": admin.get(f"/question-bank/questions/{question_id}/edit"),
        "counts": admin.get("/question-bank/knowledge-points"),
        "new": admin.get(NEW),  # the knowledge points offered
    }
    for name, shown in pages.items():
        raw = shown.get_data(as_text=True)
        assert "<script>alert" not in raw, name
        assert "<img src=x" not in raw, name
    assert "题干&lt;script&gt;alert(1)&lt;/script&gt;" in pages["list"].get_data(as_text=True)
    assert "题干&lt;script&gt;" in pages["detail"].get_data(as_text=True)
    assert "解析&lt;script&gt;" in pages["detail"].get_data(as_text=True)

    preview = upload(admin, template_xlsx([draft(stem=f"导入的题干{SCRIPT}")]), "x.xlsx")
    assert "<script>alert" not in preview.get_data(as_text=True)
    assert "导入的题干&lt;script&gt;" in preview.get_data(as_text=True)


# --- import --------------------------------------------------------------------------------


def test_a_gift_file_is_previewed_then_imported(admin, app):
    earlier = pending_imports(app)
    preview = upload(admin, GIFT.encode(), "题库.gift")
    (kept,) = set(pending_imports(app)) - set(earlier)  # the file waits for the confirmation
    assert preview.status_code == 200
    body = text(preview)
    assert "将导入 4 道试题，跳过 2 道。" in body
    rows = table_rows(preview)
    assert [r[0] for r in rows] == [f"第 {n} 题（Q{n}）" for n in range(1, 7)]
    assert [r[1] for r in rows] == ["单选", "多选", "判断", "填空", "—", "—"]
    assert [r[3] for r in rows[:4]] == ["可导入"] * 4
    assert rows[4][3] == "跳过：不支持的题型：numerical（数值）"
    assert rows[5][3] == "跳过：不支持的题型：match（匹配）"
    assert "确认导入 4 道试题" in body
    assert count() == 0  # nothing written by the preview

    done = confirm(admin, preview)
    assert done.status_code == 302 and done.headers["Location"] == "/question-bank/"
    assert "已导入 4 道试题。跳过 2 道（不支持的题型或重复）。" in page(
        admin.get("/question-bank/")
    )
    assert count() == 4
    assert {q.knowledge_point.path for q in db.session.scalars(select(Question))} == {
        "法律法规/民法典"
    }
    assert not kept.exists()  # and is gone once imported

    # The same preview cannot be imported twice.
    again = confirm(admin, preview)
    assert again.status_code == 302 and again.headers["Location"] == IMPORT
    assert "预览已过期" in page(admin.get(IMPORT))
    assert count() == 4


def test_duplicates_are_flagged_in_the_preview_and_skipped(admin):
    seed(stem="已在题库中的题")
    drafts = [
        draft(stem="已在题库中的题"),
        draft(stem="新题一？"),
        draft(stem="新题一?"),
        draft("fill"),
    ]
    preview = upload(admin, template_xlsx(drafts), "试题.xlsx")
    rows = table_rows(preview)
    assert [r[0] for r in rows] == ["第 2 行", "第 3 行", "第 4 行", "第 5 行"]
    assert rows[0][3].startswith("跳过：与题库中已有试题重复（编号 ")
    assert rows[1][3] == "可导入" and rows[3][3] == "可导入"
    assert rows[2][3] == "跳过：与本文件第 3 行重复"
    assert "将导入 2 道试题，跳过 2 道。" in text(preview)
    confirm(admin, preview)
    assert count() == 3


def test_a_file_with_any_problem_can_not_be_imported(admin, app):
    good = excel_rows([draft(stem="这一行没有问题")])
    bad = [
        ["单选", "答案不存在的单选题", "甲", "乙", None, None, None, None, None, None, "E"],
        ["问答", "不是支持的题型"],
        ["多选", "", "甲", "乙", "丙", None, None, None, None, None, "AB"],
    ]
    earlier = pending_imports(app)
    preview = upload(admin, xlsx(good[1:] + bad, headers=good[0]), "有错.xlsx")
    body = text(preview)
    assert "文件中有 3 处错误，不能导入。" in body
    rows = table_rows(preview)
    assert rows[0][3] == "可导入"
    assert rows[1][0] == "第 3 行" and "【答案】答案 E 没有对应的选项" in rows[1][3]
    assert rows[2][0] == "第 4 行" and "【题型】题型“问答”无法识别" in rows[2][3]
    assert rows[3][0] == "第 5 行" and "【题干】题干不能为空" in rows[3][3]
    assert "确认导入" not in body and 'name="token"' not in preview.get_data(as_text=True)

    # Even a confirmation forged with the uploaded file's token writes nothing.
    (pending,) = set(pending_imports(app)) - set(earlier)
    token = pending.stem.split("-", 1)[1]
    forged = admin.post(CONFIRM, data={"csrf_token": csrf_of(preview), "token": token})
    assert forged.status_code == 302
    assert "文件中有错误，未导入任何试题" in page(admin.get(IMPORT))
    assert count() == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"a,b\n1,2", "试题.csv", "只支持 .xlsx、.xml（Moodle XML）、.gift/.txt（GIFT）文件"),
        (b"not a zip", "试题.xlsx", ""),
        (b"", "empty.gift", "文件为空"),
        ("只有文字，没有答案".encode(), "题.txt", "不支持的题型"),
    ],
    ids=["csv", "broken-xlsx", "empty", "no-questions"],
)
def test_files_that_are_not_question_files_are_refused_with_a_reason(
    admin, data, filename, message
):
    response = upload(admin, data, filename)
    assert response.status_code == 200
    body = page(response)
    assert message in body
    assert "确认导入" not in body
    assert count() == 0


def test_a_moodle_xml_file_is_previewed_with_its_categories(admin):
    data = (MOODLE_FIXTURES / "nested_categories_with_questions.xml").read_bytes()
    preview = upload(admin, data, "moodle.xml")
    body = text(preview)
    assert "将导入 4 道试题" in body
    assert any("essay" in r[3] and r[3].startswith("跳过") for r in table_rows(preview))
    confirm(admin, preview)
    assert count() == 4


def test_another_users_preview_can_not_be_confirmed(admin, app, make):
    preview = upload(admin, GIFT.encode(), "题库.gift")
    token = form_values(preview, form_id=None)["token"][0]

    make.user(Role.PROVINCE_ADMIN, username="qb_other")
    other = app.test_client()
    form_login(other, "qb_other")
    import_page = other.get(IMPORT)
    response = other.post(CONFIRM, data={"csrf_token": csrf_of(import_page), "token": token})
    assert response.status_code == 302 and response.headers["Location"] == IMPORT
    assert "预览已过期，请重新上传文件。" in page(other.get(IMPORT))
    for guess in ("*", "../" + token, f"{token}*"):
        other.post(CONFIRM, data={"csrf_token": csrf_of(import_page), "token": guess})
    assert count() == 0

    # The owner of the preview still can.
    confirm(admin, preview)
    assert count() == 4


def test_the_export_links_carry_the_filters(admin, bank):
    listing = admin.get("/question-bank/?tag=法律法规/民法典&type=single")
    links = re.findall(r'href="(/api/v1/question-bank/export\?[^"]+)"', listing.get_data(True))
    excel = next(html.unescape(link) for link in links if "format=xlsx" in link)
    exported = admin.get(excel)
    assert exported.status_code == 200
    rows = list(load_workbook(BytesIO(exported.data)).worksheets[0].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [bank["contract"].current.stem]
    xml = next(html.unescape(link) for link in links if "format=xml" in link)
    assert bank["contract"].current.stem in admin.get(xml).get_data(as_text=True)
    assert bank["fill"].current.stem not in admin.get(xml).get_data(as_text=True)


# --- who sees what -----------------------------------------------------------------------


def test_a_city_admin_browses_the_provincial_bank_read_only(client, make, login, bank):
    make.user(Role.CITY_ADMIN, username="qb_city", region=make.region("石家庄"))
    token = login("qb_city")
    listing = client.get("/question-bank/")
    assert listing.status_code == 200
    body = page(listing)
    assert "省协会题库" in body and "只读浏览" in body
    assert len(listed_stems(listing)) == 5
    raw = listing.get_data(as_text=True)
    assert "新建试题" not in body
    assert "/question-bank/import" not in raw and "/question-bank/export" not in raw

    question = bank["contract"]
    detail = page(client.get(f"/question-bank/questions/{question.id}"))
    assert question.current.stem in detail and "A. 及时维修" in detail
    assert "✓" not in detail and "解析" not in detail and "编辑" not in detail
    fill = page(client.get(f"/question-bank/questions/{bank['fill'].id}"))
    assert "业委会" not in fill and "第 1 空" not in fill
    assert client.get("/question-bank/knowledge-points").status_code == 200

    assert client.get(NEW).status_code == 403
    assert client.get(f"/question-bank/questions/{question.id}/edit").status_code == 403
    assert client.get(IMPORT).status_code == 403
    csrf = {"csrf_token": token}
    assert (
        client.post(f"/question-bank/questions/{question.id}/retire", data=csrf).status_code == 403
    )
    assert client.post(CONFIRM, data={**csrf, "token": "x"}).status_code == 403
    assert client.get("/question-bank/?bank=e1").status_code == 404


def test_an_enterprise_admin_writes_their_own_bank_and_reads_the_provincial_one(
    client, make, login, bank, enterprise
):
    make.user(Role.ENTERPRISE_ADMIN, username="qb_enterprise", enterprise=enterprise)
    login("qb_enterprise")
    own = enterprise_bank(enterprise.id)

    listing = client.get("/question-bank/")
    body = page(listing)
    assert "本企业题库" in body and "新建试题" in body and "只读浏览" not in body
    assert listed_stems(listing) == []

    response = fill_in(
        client,
        NEW,
        {"type": "true_false", "stem": "本企业：上岗前必须参加安全培训。", "true_false": "true"},
    )
    mine = db.session.get(Question, question_id_of(response))
    assert mine.bank == own
    assert listed_stems(client.get("/question-bank/")) == ["本企业：上岗前必须参加安全培训。"]
    assert "答案：对" in page(client.get(f"/question-bank/questions/{mine.id}"))

    provincial = client.get("/question-bank/?bank=province")
    body = page(provincial)
    assert "省协会题库" in body and "只读浏览" in body and "新建试题" not in body
    assert set(listed_stems(provincial)) == stems_of(
        bank, "contract", "owners", "fire", "fill", "law_other"
    )
    # The knowledge points of the bank being read, not of their own.
    counts = client.get("/question-bank/knowledge-points?bank=province")
    assert "安全管理/消防" in page(counts)
    assert "安全管理/消防" not in page(client.get("/question-bank/knowledge-points"))
    question = bank["contract"]
    assert "✓" not in page(client.get(f"/question-bank/questions/{question.id}"))
    assert client.get(f"/question-bank/questions/{question.id}/edit").status_code == 403

    other = make.enterprise(name="别家物业有限公司")
    other_question = seed(bank=enterprise_bank(other.id), stem="别家企业的题")
    assert client.get(f"/question-bank/?bank={enterprise_bank(other.id)}").status_code == 404
    assert client.get(f"/question-bank/questions/{other_question.id}").status_code == 404


def test_the_province_does_not_read_enterprise_banks(admin, enterprise):
    theirs = seed(bank=enterprise_bank(enterprise.id), stem="企业自己的题")
    assert admin.get(f"/question-bank/questions/{theirs.id}").status_code == 404
    assert admin.get(f"/question-bank/?bank={enterprise_bank(enterprise.id)}").status_code == 404
    assert listed_stems(admin.get("/question-bank/")) == []


def test_trainees_and_visitors_are_kept_out(client, app, make, login, bank, enterprise):
    question = bank["contract"]
    anonymous = app.test_client()
    for url in ("/question-bank/", NEW, IMPORT, f"/question-bank/questions/{question.id}"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")

    employee = make.employee(enterprise, name="王秀英")
    make.user(Role.TRAINEE, username="qb_trainee", employee=employee)
    login("qb_trainee")
    assert client.get("/question-bank/").status_code == 404
    assert client.get("/question-bank/knowledge-points").status_code == 404
    assert client.get(f"/question-bank/questions/{question.id}").status_code == 404
    assert client.get(f"/question-bank/questions/{question.id}/edit").status_code == 404
    assert client.get(NEW).status_code == 403
    assert client.get(IMPORT).status_code == 403
    assert "题库" not in [
        label
        for label in re.findall(
            r'class="nav-link[^"]*" href="[^"]*">([^<]+)<', page(client.get("/"))
        )
    ]


def test_fill_rules_default_for_questions_written_without_them(admin):
    # A browser that never showed the fill fieldset still posts its default checkboxes.
    response = fill_in(admin, NEW, {"type": "fill", "stem": "填____", "blanks": "甲"})
    version = db.session.get(Question, question_id_of(response)).current
    assert FillRules(**version.fill_rules) == FillRules()


def test_a_typed_knowledge_point_is_matched_literally(admin):
    seed(stem="法律法规下的题", point="法律法规/民法典")
    assert listed_stems(admin.get("/question-bank/?tag=法律_规")) == []
