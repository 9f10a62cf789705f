"""The live leaderboard without Redis (one process): what it shows, to whom, and when.

Names stay hidden until the chief judge signs off; a frozen public board keeps the
standings of the freeze while the chief judge and the organisers see the real one; the
stream sends a board after a committed change and nothing after a rolled-back one.
"""

from datetime import timedelta

import pytest

from app.auth.models import Role
from app.extensions import db
from competitions import live
from competitions.models import PUBLISHED, SIGNED_OFF, CompetitionEvent
from competitions.signals import standings_changed
from tests import factories
from tests.integration.competition_board_helpers import (
    T0,
    add_score,
    make_event,
    rows_by_number,
    score,
)
from tests.integration.page_helpers import csrf_of, form_login


@pytest.fixture
def world(app):
    with app.app_context():
        world = make_event(contestants=3, items=2)
        score(world, 1, 0, "40", at=T0 + timedelta(minutes=1))
        score(world, 2, 0, "45.5", at=T0 + timedelta(minutes=2))
        return world


@pytest.fixture
def fast_streams(app):
    """Heartbeats every 0.2 s, so that a stream with nothing to say answers quickly."""
    saved = {k: app.config[k] for k in ("BOARD_HEARTBEAT_SECONDS", "BOARD_STREAM_SECONDS")}
    app.config.update(BOARD_HEARTBEAT_SECONDS=0.2, BOARD_STREAM_SECONDS=30)
    yield
    app.config.update(saved)


def _set_status(event_id, status):
    event = db.session.get(CompetitionEvent, event_id)
    event.status = status
    standings_changed.send(None, event_id=event_id)
    db.session.commit()


def _board(client, world, **query):
    response = client.get(
        f"/api/v1/competition-events/{world.event_id}/leaderboard", query_string=query
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_board_ranks_numbers_with_decimal_strings_and_no_names_before_release(
    app, client, login, world
):
    with app.app_context():
        factories.user(Role.ENTERPRISE_ADMIN, username="viewer", enterprise=factories.enterprise())
    login("viewer")
    body = _board(client, world)
    assert body["released"] is False and body["frozen"] is False and body["view"] == "public"
    assert [(r["rank"], r["number"]) for r in body["rows"]] == [(1, 2), (2, 1), (3, 3)]
    first = body["rows"][0]
    assert first == {
        "rank": 1,
        "number": 2,
        "practical": "45.50",
        "theory": None,
        "total": "45.50",
        "name": None,
    }
    assert all(row["name"] is None for row in body["rows"])
    # The hall screen's public JSON says the same, without an account.
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": ""})
    public = client.get(f"/competitions/events/{world.event_id}/board.json")
    assert public.status_code == 200
    assert public.get_json()["rows"] == body["rows"]


def test_names_appear_once_the_event_is_signed_off(app, client, world):
    url = f"/competitions/events/{world.event_id}/board.json"
    assert {r["name"] for r in client.get(url).get_json()["rows"]} == {None}
    with app.app_context():
        _set_status(world.event_id, SIGNED_OFF)
    body = client.get(url).get_json()
    assert body["released"] is True
    assert rows_by_number(body)[2]["name"] == "李秀英"
    with app.app_context():
        _set_status(world.event_id, PUBLISHED)
    assert rows_by_number(client.get(url).get_json())[1]["name"] == "王建国"


def test_the_page_shows_numbers_only_until_release(app, client, world):
    page = client.get(f"/competitions/events/{world.event_id}/board")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "电工 · 成绩榜" in html and "45.50" in html
    assert "李秀英" not in html and "<script>" not in html
    with app.app_context():
        _set_status(world.event_id, SIGNED_OFF)
    assert "李秀英" in client.get(f"/competitions/events/{world.event_id}/board").get_data(
        as_text=True
    )


def test_a_frozen_board_shows_the_frozen_standings_while_the_organiser_sees_the_real_one(
    app, client, login, world
):
    with app.app_context():
        factories.user(Role.PROVINCE_ADMIN, username="organiser")
        chief = db.session.get(CompetitionEvent, world.event_id).chief_judge_id
        from app.auth.models import User

        chief_name = db.session.get(User, chief).username
    token = login(chief_name)
    frozen = client.post(
        f"/api/v1/competition-events/{world.event_id}/freeze", headers={"X-CSRFToken": token}
    )
    assert frozen.status_code == 200 and frozen.get_json()["frozen"] is True
    frozen_at = frozen.get_json()["frozen_at"]
    with app.app_context():
        event = db.session.get(CompetitionEvent, world.event_id)
        # A mark given after the freeze: contestant 3 would lead.
        score(world, 3, 0, "48", at=event.frozen_at + timedelta(seconds=5))
        score(world, 3, 1, "30", at=event.frozen_at + timedelta(seconds=6))

    public = client.get(f"/competitions/events/{world.event_id}/board.json").get_json()
    assert public["frozen"] is True and public["frozen_at"] == frozen_at
    assert rows_by_number(public)[3]["practical"] == "0.00"
    assert public["rows"][0]["number"] == 2

    chief_view = _board(client, world)
    assert chief_view["view"] == "real" and chief_view["frozen"] is True
    assert chief_view["rows"][0] == {
        "rank": 1,
        "number": 3,
        "practical": "78.00",
        "theory": None,
        "total": "78.00",
        "name": None,
    }
    assert _board(client, world, view="public")["rows"] == public["rows"]

    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    login("organiser")
    assert _board(client, world)["rows"][0]["number"] == 3

    # Freezing again keeps the first moment.
    token = login("organiser")
    again = client.post(
        f"/api/v1/competition-events/{world.event_id}/freeze", headers={"X-CSRFToken": token}
    )
    assert again.get_json()["frozen_at"] == frozen_at

    # Release (sign-off) unfreezes: the public board shows the real standings with names.
    with app.app_context():
        _set_status(world.event_id, SIGNED_OFF)
    public = client.get(f"/competitions/events/{world.event_id}/board.json").get_json()
    assert public["frozen"] is False and public["rows"][0]["number"] == 3
    assert public["rows"][0]["name"] == "张伟"


def test_only_the_chief_judge_and_organisers_freeze_or_see_the_real_board(
    app, client, login, world
):
    with app.app_context():
        from app.auth.models import User

        judge = db.session.get(User, world.judge_id).username
        other_region = factories.region("唐山市")
        factories.user(Role.CITY_ADMIN, username="ts_admin", region=other_region)
    url = f"/api/v1/competition-events/{world.event_id}"
    # A judge of the event and a city admin (who sees the final) see the public board only.
    for username in (judge, "ts_admin"):
        token = login(username)
        refused = client.post(f"{url}/freeze", headers={"X-CSRFToken": token})
        assert refused.status_code == 403
        assert refused.get_json()["error"]["message"].startswith("只有本项目的裁判长和组织方")
        assert client.get(f"{url}/leaderboard", query_string={"view": "real"}).status_code == 403
        assert _board(client, world)["view"] == "public"
        assert client.delete(f"{url}/freeze", headers={"X-CSRFToken": token}).status_code == 403
        client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    with app.app_context():
        assert db.session.get(CompetitionEvent, world.event_id).frozen_at is None


def test_the_api_shows_an_event_only_within_the_caller_scope(app, client, login, world):
    with app.app_context():
        factories.user(Role.JUDGE, username="unassigned_judge")
        factories.user(Role.TRAINEE, username="trainee", employee=factories.employee())
    url = f"/api/v1/competition-events/{world.event_id}"
    for username in ("unassigned_judge", "trainee"):
        token = login(username)
        assert client.get(f"{url}/leaderboard").status_code == 404
        assert client.get(f"{url}/leaderboard/stream").status_code == 404
        assert client.post(f"{url}/freeze", headers={"X-CSRFToken": token}).status_code == 404
        client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    # The hall screen's public board needs no account at all.
    assert client.get(f"/competitions/events/{world.event_id}/board.json").status_code == 200


def test_the_page_freezes_and_unfreezes_for_the_chief_judge(app, client, world):
    with app.app_context():
        from app.auth.models import User

        chief = db.session.get(User, world.chief_id).username
    form_login(client, chief)
    page = client.get(f"/competitions/events/{world.event_id}/board?view=real")
    html = page.get_data(as_text=True)
    assert "实时榜（仅裁判长和组织方可见）" in html and "冻结公开榜" in html
    token = csrf_of(page)
    done = client.post(
        f"/competitions/events/{world.event_id}/board/freeze", data={"csrf_token": token}
    )
    assert done.status_code == 302
    public = client.get(f"/competitions/events/{world.event_id}/board").get_data(as_text=True)
    assert "成绩已冻结" in public and 'class="board-frozen d-none"' not in public
    client.post(f"/competitions/events/{world.event_id}/board/unfreeze", data={"csrf_token": token})
    assert (
        client.get(f"/competitions/events/{world.event_id}/board.json").get_json()["frozen"]
        is False
    )


def test_an_anonymous_page_visitor_may_not_freeze(client, world):
    response = client.post(f"/competitions/events/{world.event_id}/board/freeze")
    assert response.status_code in (302, 400)  # to the login page (or refused for CSRF)


def test_the_api_needs_a_login_and_refuses_bad_input(app, client, login, world):
    url = f"/api/v1/competition-events/{world.event_id}/leaderboard"
    assert client.get(url).status_code == 401
    assert client.get(url + "/stream").status_code == 401
    with app.app_context():
        factories.user(Role.PROVINCE_ADMIN, username="organiser")
    login("organiser")
    bad = client.get(url, query_string={"view": "everything"})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["details"][0]["message"] == "view 应为 public 或 real"
    missing = client.get("/api/v1/competition-events/999999/leaderboard")
    assert missing.status_code == 404
    assert client.get("/competitions/events/999999/board.json").status_code == 404
    assert client.get("/competitions/events/999999/board").status_code == 404


def test_an_unchanged_board_answers_not_modified(client, world):
    url = f"/competitions/events/{world.event_id}/board.json"
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_board_is_computed_once_per_change_not_once_per_viewer(app, world):
    with app.app_context():
        cache = live.broker().cache
        before = cache.computations
        bodies = {live.board(world.event_id, live.PUBLIC).body for _ in range(50)}
        assert len(bodies) == 1 and cache.computations == before + 1
        score(world, 3, 0, "10")
        for _ in range(50):
            live.board(world.event_id, live.PUBLIC)
        assert cache.computations == before + 2


def _events(chunks, count):
    """The next `count` chunks of a stream, decoded."""
    return [next(chunks).decode() for _ in range(count)]


def test_the_stream_sends_the_board_after_a_committed_change_and_not_after_a_rollback(
    app, client, world, fast_streams
):
    response = client.get(f"/competitions/events/{world.event_id}/board/stream", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["X-Accel-Buffering"] == "no"
    chunks = response.iter_encoded()
    retry, first = _events(chunks, 2)
    assert retry == "retry: 2000\n\n"
    assert first.startswith("id: ") and '"number": 2' in first

    with app.app_context():
        add_score(world, 3, 0, "49", at=T0 + timedelta(minutes=30))
        db.session.rollback()  # a refused request: nothing happened
        factories.region("廊坊市")  # and a later commit in the same session publishes nothing
    assert next(chunks).decode() == ": heartbeat\n\n"

    with app.app_context():
        score(world, 3, 0, "49", at=T0 + timedelta(minutes=31))
    change = next(chunks).decode()
    assert change.startswith("id: ") and '"practical": "49.00"' in change
    assert live.broker  # the stream held no request context: the app still answers
    assert client.get(f"/competitions/events/{world.event_id}/board.json").status_code == 200
    response.close()


def test_a_reconnecting_viewer_that_holds_the_board_gets_no_repeat(client, world, fast_streams):
    url = f"/competitions/events/{world.event_id}/board/stream"
    tag = client.get(f"/competitions/events/{world.event_id}/board.json").headers["ETag"]
    response = client.get(url, buffered=False, headers={"Last-Event-ID": tag.strip('"')})
    chunks = response.iter_encoded()
    assert _events(chunks, 2) == ["retry: 2000\n\n", ": heartbeat\n\n"]
    response.close()


def test_a_stream_ends_after_its_time_so_no_thread_is_held_for_ever(app, client, world):
    saved = app.config["BOARD_STREAM_SECONDS"], app.config["BOARD_HEARTBEAT_SECONDS"]
    app.config.update(BOARD_STREAM_SECONDS=0.5, BOARD_HEARTBEAT_SECONDS=0.2)
    try:
        response = client.get(f"/competitions/events/{world.event_id}/board/stream", buffered=False)
        chunks = list(response.iter_encoded())
        assert 2 <= len(chunks) <= 6  # retry, the board, a few heartbeats, then the end
        response.close()
    finally:
        app.config.update(BOARD_STREAM_SECONDS=saved[0], BOARD_HEARTBEAT_SECONDS=saved[1])


def test_past_its_stream_limit_a_process_tells_viewers_to_poll(app, client, world, fast_streams):
    saved = app.config["BOARD_MAX_STREAMS"]
    app.config["BOARD_MAX_STREAMS"] = 1
    try:
        url = f"/competitions/events/{world.event_id}/board/stream"
        held = client.get(url, buffered=False)
        assert held.status_code == 200
        refused = client.get(url, buffered=False)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "10"
        held.close()  # the slot is given back when the stream closes
        again = client.get(url, buffered=False)
        assert again.status_code == 200
        again.close()
        with app.app_context():
            assert live.broker().streams == 0
    finally:
        app.config["BOARD_MAX_STREAMS"] = saved


def test_the_api_stream_serves_the_real_board_to_the_chief_judge(
    app, client, login, world, fast_streams
):
    with app.app_context():
        from app.auth.models import User

        chief = db.session.get(User, world.chief_id).username
        event = db.session.get(CompetitionEvent, world.event_id)
        event.frozen_at = T0 + timedelta(minutes=10)
        db.session.commit()
        score(world, 3, 1, "50", at=T0 + timedelta(minutes=20))
    login(chief)
    response = client.get(
        f"/api/v1/competition-events/{world.event_id}/leaderboard/stream", buffered=False
    )
    chunks = response.iter_encoded()
    board = _events(chunks, 2)[1]
    assert '"view": "real"' in board and '"frozen": true' in board
    assert '"number": 3, "practical": "50.00"' in board
    response.close()


@pytest.mark.parametrize(("threads", "streams"), [(4, 0), (8, 4), (300, 50)])
def test_under_a_thread_pool_streams_leave_threads_for_the_judges(app, threads, streams):
    """gunicorn's gthread worker serves each request on a pool thread: a stream holds one."""
    from concurrent.futures import ThreadPoolExecutor

    with app.app_context():
        broker = live.broker()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        assert pool.submit(broker.stream_limit).result() == streams
    assert broker.stream_limit() == app.config["BOARD_MAX_STREAMS"]  # no pool: the setting


def test_changes_close_together_wake_the_viewers_once_after_a_short_wait():
    import threading
    import time

    hub = live.Hub(min_interval=0.3)
    seen = hub.version(7)
    hub.bump(7)  # after a quiet moment: at once
    assert hub.wait(7, seen, timeout=0.05)

    woken = []
    seen = hub.version(7)
    waiter = threading.Thread(target=lambda: woken.append(hub.wait(7, seen, timeout=2)))
    started = time.monotonic()
    waiter.start()
    time.sleep(0.02)
    hub.bump(7)  # right after the last notice: together with whatever follows
    hub.bump(7)
    waiter.join(3)
    assert woken == [True]
    assert 0.2 <= time.monotonic() - started < 1.5
    assert hub.version(7)[1] == 3
