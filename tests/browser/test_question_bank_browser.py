"""The question bank in a real browser: a provincial admin on a desktop and on a phone.

The bank holds the demo questions. Screenshots land in /tmp/wuye-shots/qb-*.png for a
human to look at: the list, the form of each question type, the import preview and the
knowledge-point table.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.auth.models import Role
from app.demo.questions import load_demo_questions
from app.extensions import db
from question_bank import services
from question_bank.models import PROVINCIAL_BANK
from question_bank.rules.types import Option, QuestionDraft, QuestionType
from tests import factories

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

SMALLEST_TEXT_JS = """() => {
  let smallest = Infinity, where = "";
  for (const el of document.querySelectorAll("main *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest) { smallest = size; where = el.outerHTML.slice(0, 80); }
  }
  return [smallest, where];
}"""

# Elements of the page content wider than the screen, or reaching past its right edge
# (those inside a horizontally scrolling wrapper excepted).
OVERFLOW_JS = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll("main *")) {
    if (el.closest(".table-responsive")) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) out.push(el.outerHTML.slice(0, 100));
  }
  return out.slice(0, 5);
}"""

GIFT = """\
$CATEGORY: $course$/top/安全管理/消防

::消防1:: 发现初起火灾，首先应当怎么做？
{=立即报警并组织扑救#正确。 ~等待领导指示#延误时机。 ~先拍照留存}

::消防2:: 干粉灭火器适用于扑救下列哪些火灾？ {~%50%固体物质火灾 ~%50%可燃液体火灾 ~%-100%金属火灾}

::消防3:: 消防通道可以临时停放车辆。{F}

::消防4:: [markdown]高层住宅的消防控制室应当实行{=24小时 =二十四小时 =%50%全天}**值班**制度，\
详见[《消防法》](https://flk.npc.gov.cn/detail2.html?xfcf)。

::数值:: 灭火器压力表指针应在哪个颜色区域？ {#1}
"""


BROKEN_GIFT = """\
::好题:: 物业服务人应当公开服务事项。{T}

::花括号:: 这道题的答案少了右花括号 {=对的 ~错的

::多选:: 下列说法都对吗？ {~%50%只有一个对的 ~%-100%错的}
"""


def _log_in(page: Page, base_url: str, username: str) -> None:
    _go(page, f"{base_url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _go(page: Page, url: str) -> None:
    """Open `url` once the current page has finished loading (its scripts not cut short)."""
    page.wait_for_load_state("load")
    page.goto(url)


def _assert_fits_width(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: horizontal scrolling ({scroll_width}px > {width}px)"
    assert page.evaluate(OVERFLOW_JS, width) == [], page.url


def _assert_readable(page: Page, minimum: float = 12) -> None:
    smallest, where = page.evaluate(SMALLEST_TEXT_JS)
    assert smallest >= minimum, f"{page.url}: text of {smallest}px is too small: {where}"


LONG_URL = "https://www.example.gov.cn/wuye/notices/2025/quality-improvement-year-" + "x" * 60
LONG_POINT = "法律法规/河北省政策文件/物业服务质量提升年实施方案/第三部分重点任务/服务标准化建设"


@pytest.fixture
def demo_bank(app):
    """The demo questions in the provincial bank, one with long unbroken text, and its
    owner, `qb_browser`; answers the id of the long one."""
    with app.app_context():
        load_demo_questions()
        long_one = services.create_question(
            PROVINCIAL_BANK,
            QuestionDraft(
                type=QuestionType.SINGLE,
                stem=f"通知全文见 {LONG_URL} ，其中提出的重点任务是（  ）。",
                options=[Option("A", LONG_URL + "/a"), Option("B", "服务标准化建设")],
                answer="B",
                explanation=f"见 {LONG_URL}",
                knowledge_point=LONG_POINT,
            ),
        )
        db.session.commit()
        factories.user(Role.PROVINCE_ADMIN, username="qb_browser", display_name="省协会题库管理员")
        return long_one.id


def _walk_the_bank(
    page: Page, base_url: str, width: int, shots: Path, size: str, long_id: int
) -> None:
    """List, knowledge points, the form of each type, an import preview; checked and shot."""
    # The list.
    _go(page, f"{base_url}/question-bank/")
    expect(page.get_by_role("heading", level=1)).to_have_text("省协会题库")
    items = page.locator(".list-group-item")
    expect(items).to_have_count(20)
    expect(items.first).to_contain_text(LONG_POINT)
    expect(page.get_by_text(re.compile(r"第 1 / \d+ 页，共 \d+ 条"))).to_be_visible()
    _assert_fits_width(page, width)
    _assert_readable(page)
    page.screenshot(path=shots / f"qb-list-{size}.png", full_page=True)

    # Long unbroken text (a web address, a deep knowledge point) stays on the screen.
    _go(page, f"{base_url}/question-bank/questions/{long_id}")
    expect(page.get_by_text("A. " + LONG_URL)).to_be_visible()
    _assert_fits_width(page, width)
    page.screenshot(path=shots / f"qb-question-long-{size}.png", full_page=True)
    _go(page, f"{base_url}/question-bank/questions/{long_id}/edit")
    _assert_fits_width(page, width)
    _go(page, f"{base_url}/question-bank/")

    # Filtered to one type: every question listed is of it.
    page.locator("select[name=type]").select_option("true_false")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"type=true_false"))
    expect(items.first).to_be_visible()
    badges = items.locator(".badge.text-bg-primary")
    assert set(badges.all_inner_texts()) == {"判断"}

    # The knowledge-point table.
    page.get_by_role("link", name="知识点统计").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("知识点统计")
    table = page.locator("table")
    expect(table.locator("thead tr").first.locator("th")).to_have_text(
        ["知识点", "单选", "多选", "判断", "填空", "合计"]
    )
    assert table.locator("tbody tr").count() > 5
    _assert_fits_width(page, width)
    _assert_readable(page)
    page.screenshot(path=shots / f"qb-knowledge-points-{size}.png", full_page=True)
    # Where the counts scroll sideways, the knowledge point stays in view.
    wrapper = page.locator(".table-responsive")
    if wrapper.evaluate("el => el.scrollWidth > el.clientWidth"):
        first_cell = table.locator("tbody tr").first.locator("td").first
        left = first_cell.bounding_box()["x"]
        wrapper.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        assert wrapper.evaluate("el => el.scrollLeft") > 0
        assert abs(first_cell.bounding_box()["x"] - left) < 1
        page.screenshot(path=shots / f"qb-knowledge-points-scrolled-{size}.png", full_page=True)

    # The form: only the answer fields of the chosen type show.
    _go(page, f"{base_url}/question-bank/questions/new")
    fieldsets = {
        "single": "fieldset[data-for='single multiple']",
        "multiple": "fieldset[data-for='single multiple']",
        "true_false": "fieldset[data-for='true_false']",
        "fill": "fieldset[data-for='fill']",
    }
    for type_, selector in fieldsets.items():
        page.get_by_label("题型", exact=True).select_option(type_)
        expect(page.locator(selector)).to_be_visible()
        for other in set(fieldsets.values()) - {selector}:
            expect(page.locator(other)).to_be_hidden()
        _assert_fits_width(page, width)
        _assert_readable(page)
        page.screenshot(path=shots / f"qb-form-{type_}-{size}.png", full_page=True)

    # A single-choice question, written and saved.
    page.get_by_label("题型", exact=True).select_option("single")
    page.get_by_label("题干", exact=True).fill(
        f"物业服务人员发现电梯困人时，首先应当怎么做？（{size}）"
    )
    for index, text in enumerate(["安抚被困人员并通知维保单位", "自行撬开轿厢门", "离开现场"]):
        page.locator(f"input[name=option_{'abc'[index]}]").fill(text)
    page.get_by_label("A", exact=True).check()
    page.get_by_label("知识点", exact=True).fill("安全管理/特种设备/电梯")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("试题已保存（第 1 版）。")).to_be_visible()
    expect(page.get_by_text("A. 安抚被困人员并通知维保单位 ✓")).to_be_visible()
    _assert_fits_width(page, width)
    page.screenshot(path=shots / f"qb-question-{size}.png", full_page=True)

    # An import: the preview lists every question, then the import is confirmed.
    _go(page, f"{base_url}/question-bank/import")
    page.get_by_label("试题文件").set_input_files(
        files=[{"name": "消防.gift", "mimeType": "text/plain", "buffer": GIFT.encode()}]
    )
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("导入预览")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(4)).to_contain_text("跳过：不支持的题型：numerical")
    # Each question shows its options, the right ones marked, and what was not kept.
    expect(rows.nth(0).locator("li.text-success")).to_have_text(
        "A. 立即报警并组织扑救 ✓（正确答案）"
    )
    expect(rows.nth(1).locator("li.text-success")).to_have_count(2)
    expect(rows.nth(2)).to_contain_text("答案：错")
    expect(rows.nth(3)).to_contain_text("答案：24小时 / 二十四小时")
    expect(rows.nth(3)).to_contain_text("部分得分的备选答案“全天”（50%）未导入")
    expect(rows.nth(3).get_by_role("link", name=re.compile("flk.npc.gov.cn"))).to_have_count(1)
    assert "**" not in rows.nth(3).inner_text()
    page.screenshot(path=shots / f"qb-import-preview-{size}.png", full_page=True)
    _assert_fits_width(page, width)
    preview_table = page.locator(".table-responsive")
    assert preview_table.evaluate("el => el.scrollWidth <= el.clientWidth"), "preview scrolls"
    _assert_readable(page)
    page.get_by_role("button", name=re.compile("确认导入 4 道试题")).click()
    expect(page.get_by_text("已导入 4 道试题。跳过 1 道")).to_be_visible()

    # A file with mistakes: each one listed, and no way to import it.
    _go(page, f"{base_url}/question-bank/import")
    page.get_by_label("试题文件").set_input_files(
        files=[{"name": "有错.gift", "mimeType": "text/plain", "buffer": BROKEN_GIFT.encode()}]
    )
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_text(re.compile(r"文件中有 \d+ 处错误，不能导入。"))).to_be_visible()
    expect(page.locator("table tbody tr.table-danger")).to_have_count(2)
    expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)
    _assert_fits_width(page, width)
    _assert_readable(page)
    page.screenshot(path=shots / f"qb-import-problems-{size}.png", full_page=True)


def test_the_bank_on_a_desktop(app, live_server_url, desktop, shots, demo_bank):
    context, traffic = desktop
    page = context.new_page()
    _log_in(page, live_server_url, "qb_browser")
    _walk_the_bank(page, live_server_url, 1366, shots, "desktop", demo_bank)
    assert traffic.problems() == []


def test_the_bank_on_a_phone(app, live_server_url, phone, shots, demo_bank):
    context, traffic = phone
    page = context.new_page()
    _log_in(page, live_server_url, "qb_browser")
    _walk_the_bank(page, live_server_url, 390, shots, "phone", demo_bank)
    assert traffic.problems() == []
