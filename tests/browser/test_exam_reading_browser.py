"""读题 and 大字 on the exam page, on a phone. Headless Chromium has no voices and cannot be
heard: the device's speech synthesis is replaced by a stub that records what it was asked to
say. Screenshots land in /tmp/wuye-shots/exam-reading-*.png.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_exam_browser import (
    _assert_fits_phone,
    _current,
    _log_in,
    _small_tap_targets,
    _unexpected,
    _world,
)

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)

# A device's speech synthesis with the given voices; what it is asked to say is recorded.
STUB = """
(() => {
  const voices = %s;
  window.__spoken = [];
  window.__cancels = 0;
  const engine = {
    speaking: false,
    getVoices: () => voices,
    speak: (u) => { window.__spoken.push({text: u.text, lang: u.lang,
                                         voice: u.voice && u.voice.name}); window.__last = u; },
    cancel: () => { window.__cancels += 1; },
    addEventListener: () => {},
  };
  Object.defineProperty(window, "speechSynthesis", {value: engine, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();
"""
STEM_SIZE = (
    "parseFloat(getComputedStyle("
    "document.querySelector('.exam-q:not([hidden]) .exam-stem')).fontSize)"
)
CHINESE = '[{"lang": "en-US", "name": "Samantha"}, {"lang": "zh-CN", "name": "Tingting"}]'


def _start(page, base_url, exam_id):
    page.goto(f"{base_url}/exams/{exam_id}/take")
    page.get_by_role("button", name="开始考试").tap()
    expect(page.locator("#exam-paper")).to_be_visible()


def test_reading_a_question_aloud_and_stopping(app, live_server_url, phone, shots):
    context, traffic = phone
    world = _world(app, time_limit=1800, username="duti")
    page = context.new_page()
    page.add_init_script(STUB % CHINESE)
    _log_in(page, live_server_url, "duti")
    _start(page, live_server_url, world["exam_id"])

    card = _current(page)
    read = card.get_by_role("button", name="读题")
    expect(read).to_be_visible()
    read.tap()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1
    assert (spoken[0]["lang"], spoken[0]["voice"]) == ("zh-CN", "Tingting")
    text = spoken[0]["text"]
    assert text.startswith("第 1 题，")
    assert card.locator(".exam-stem").inner_text().split("：")[-1][:6] in text
    for letter, option in zip(
        "ABCD", card.locator(".exam-option-text").all_inner_texts(), strict=False
    ):
        if option in ("✓ 对", "✗ 错"):
            assert "请判断对错" in text
            break
        assert f"{letter}，{option}。" in text  # the options as the page labels them
    assert "__" not in text
    stop = card.get_by_role("button", name="停止朗读")
    expect(stop).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=shots / "exam-reading-phone.png", full_page=False)

    stop.tap()  # pressed again: stops
    assert page.evaluate("window.__cancels") >= 1
    expect(card.get_by_role("button", name="读题")).to_have_attribute("aria-pressed", "false")

    # Read to the end: the button is ready again; moving on stops a reading under way.
    card.get_by_role("button", name="读题").tap()
    page.evaluate("window.__last.onend()")
    expect(card.get_by_role("button", name="读题")).to_have_attribute("aria-pressed", "false")
    card.get_by_role("button", name="读题").tap()
    cancels = page.evaluate("window.__cancels")
    page.get_by_role("button", name="下一题").tap()
    assert page.evaluate("window.__cancels") > cancels
    next_card = _current(page)
    next_card.get_by_role("button", name="读题").tap()
    assert page.evaluate("window.__spoken")[-1]["text"].startswith("第 2 题，")
    assert _small_tap_targets(page) == []
    _assert_fits_phone(page)
    assert _unexpected(traffic) == []


def test_larger_text_is_remembered_across_questions_and_reloads(app, live_server_url, phone, shots):
    context, traffic = phone
    world = _world(app, time_limit=1800, username="dazi")
    page = context.new_page()
    _log_in(page, live_server_url, "dazi")
    _start(page, live_server_url, world["exam_id"])

    card = _current(page)
    normal = page.evaluate(STEM_SIZE)
    card.get_by_role("button", name="大字").tap()
    expect(page.locator("#exam-app")).to_have_class(re.compile(r"\bexam-large\b"))
    expect(card.get_by_role("button", name="大字")).to_have_attribute("aria-pressed", "true")
    large = page.evaluate(STEM_SIZE)
    assert large >= normal * 1.3
    _assert_fits_phone(page)
    assert _small_tap_targets(page) == []
    page.screenshot(path=shots / "exam-reading-large-phone.png", full_page=False)

    page.get_by_role("button", name="下一题").tap()
    expect(_current(page).get_by_role("button", name="大字")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.reload()
    expect(page.locator("#exam-paper")).to_be_visible()
    expect(page.locator("#exam-app")).to_have_class(re.compile(r"\bexam-large\b"))
    _current(page).get_by_role("button", name="大字").tap()  # and back
    expect(page.locator("#exam-app")).not_to_have_class(re.compile(r"\bexam-large\b"))
    assert page.evaluate("localStorage.getItem('wuye-exam-large')") == "0"
    assert _unexpected(traffic) == []


@pytest.mark.parametrize(
    "device",
    [STUB % '[{"lang": "en-US", "name": "Samantha"}]', "delete window.speechSynthesis;", ""],
    ids=["no-chinese-voice", "no-speech-synthesis", "headless-chromium"],
)
def test_no_read_button_where_the_device_cannot_read_chinese(
    app, live_server_url, phone, device, request
):
    context, traffic = phone
    username = f"wuyin{request.node.callspec.indices['device']}"
    world = _world(app, time_limit=1800, username=username)
    page = context.new_page()
    if device:
        page.add_init_script(device)
    _log_in(page, live_server_url, username)
    _start(page, live_server_url, world["exam_id"])
    card = _current(page)
    expect(card.get_by_role("button", name="大字")).to_be_visible()
    if not device:  # the real engine: the button shows exactly when it has a Chinese voice
        has_chinese = page.evaluate(
            "speechSynthesis.getVoices().some(v => /^(zh|cmn)/i.test(v.lang))"
        )
        if has_chinese:
            expect(card.locator(".exam-read")).to_be_visible()
            assert _unexpected(traffic) == []
            return
    expect(card.locator(".exam-read")).to_be_hidden()
    assert _unexpected(traffic) == []
