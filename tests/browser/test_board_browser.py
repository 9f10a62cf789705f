"""The big-screen board in a browser: a new score shows within 2 seconds, without a reload.

The page listens to the board's server-sent events; where they fail (here: a browser
without EventSource) it polls every 2 seconds. A freeze shows its banner the same way.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.auth.models import User
from app.extensions import db
from app.timeutil import utcnow
from competitions import live
from competitions.models import CompetitionEvent
from tests.integration.competition_board_helpers import T0, make_event, score

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="Debian chromium is not installed (apt-get install chromium); .ci/run installs it",
)


@pytest.fixture
def long_streams(app):
    """Streams as long as in production, so that only the stream can bring the score."""
    saved = app.config["BOARD_STREAM_SECONDS"]
    app.config["BOARD_STREAM_SECONDS"] = 300
    yield
    app.config["BOARD_STREAM_SECONDS"] = saved


@pytest.fixture
def world(app):
    with app.app_context():
        world = make_event(contestants=3, items=2)
        score(world, 1, 0, "40", at=T0 + timedelta(minutes=1))
        score(world, 2, 0, "45.5", at=T0 + timedelta(minutes=2))
        return world


def _row(page, number):
    return page.locator(f'#board-table tbody tr[data-number="{number}"]')


def test_the_board_shows_a_new_score_within_two_seconds(
    app, live_server_url, desktop, world, shots, long_streams
):
    context, traffic = desktop
    page = context.new_page()
    page.goto(f"{live_server_url}/competitions/events/{world.event_id}/board")
    expect(page.locator("#board-connection")).to_have_text("实时更新")
    expect(_row(page, 2).locator(".rank")).to_have_text("1")
    expect(_row(page, 3).locator(".practical")).to_have_text("0.00")

    with app.app_context():
        score(world, 3, 0, "49", at=T0 + timedelta(minutes=10))
    expect(_row(page, 3).locator(".practical")).to_have_text("49.00", timeout=2000)
    expect(_row(page, 3).locator(".rank")).to_have_text("1", timeout=2000)
    expect(page.locator("#board-table tbody tr").first).to_have_attribute("data-number", "3")
    assert page.locator("#board-table th.name").is_hidden()  # numbers only before release

    with app.app_context():
        event = db.session.get(CompetitionEvent, world.event_id)
        chief = db.session.get(User, world.chief_id)
        live.freeze(event, by=chief, now=utcnow())
        db.session.commit()
    expect(page.locator("#board-frozen")).to_be_visible(timeout=2000)
    expect(page.locator("#board-frozen")).to_contain_text("成绩已冻结")
    page.screenshot(path=str(shots / "board-desktop-frozen.png"), full_page=True)
    assert traffic.problems() == []


def test_on_a_phone_without_event_streams_the_board_polls(
    app, live_server_url, phone, world, shots
):
    context, traffic = phone
    page = context.new_page()
    page.add_init_script("delete window.EventSource;")
    page.goto(f"{live_server_url}/competitions/events/{world.event_id}/board")
    expect(page.locator("#board-connection")).to_contain_text("定时刷新")

    with app.app_context():
        score(world, 1, 1, "50", at=T0 + timedelta(minutes=10))
    # One poll period (2 s) and the request's own time.
    expect(_row(page, 1).locator(".total")).to_have_text("90.00", timeout=3000)
    expect(_row(page, 1).locator(".rank")).to_have_text("1")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"the board is {width}px wide on a 390px phone"
    page.screenshot(path=str(shots / "board-phone.png"), full_page=True)
    assert traffic.problems() == []
