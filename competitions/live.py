"""The live leaderboard (实时成绩榜): who hears of a change, and the board every viewer reads.

A change is announced with `competitions.signals.standings_changed` (`event_id=`). The id
is noted in the database session (`session.info`) and published only once the session's
transaction commits (SQLAlchemy's `after_commit`), so no viewer can read a board from
before the change; a rolled-back transaction publishes nothing.

Publishing:
- with `REDIS_URL` (`BOARD_REDIS_URL`): Redis pub/sub on one channel carrying the event id;
  every process (each gunicorn worker, on every machine) runs one listener thread that
  hears it, so a score sent to any worker reaches the viewers held by all of them;
- without Redis: straight to this process's viewers (one process works; other processes
  notice within `BOARD_LOCAL_MAX_AGE` seconds on their next read, which is what polling
  pages need).

Nothing here is state another worker needs: the board is computed from the database
(`competitions.standings.event_standings`). A process keeps only a cache of the board it
last computed per event and view, tagged with the change counter it saw, so that 250
viewers held by one worker cost one computation per change, not 250.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import select

from app.errors import Conflict
from app.extensions import db
from competitions.models import (
    FINAL,
    PUBLISHED,
    SIGNED_OFF,
    CompetitionEvent,
    Contestant,
)
from competitions.signals import standings_changed

log = logging.getLogger(__name__)

PUBLIC, REAL = "public", "real"
VIEWS = (PUBLIC, REAL)
# An event's names and real standings are released once the chief judge signs off.
RELEASED_STATUSES = (SIGNED_OFF, PUBLISHED, FINAL)
_PENDING = "competitions.board_changes"  # session.info key: event ids to publish on commit
_EXTENSION = "competitions.board"
_CENT = Decimal("0.01")


def _defaults() -> dict:
    """The board's settings, from the environment where it says."""
    env = os.environ
    return {
        # Redis for the fan-out between processes; unset: this process only.
        "BOARD_REDIS_URL": env.get("BOARD_REDIS_URL") or env.get("REDIS_URL"),
        "BOARD_CHANNEL": env.get("BOARD_CHANNEL", "wuye:competitions:board"),
        # A board older than this is computed again even without a change heard: what changes
        # without the signal (a theory exam handed in) shows up, and a process that missed a
        # message catches up. Short without Redis: other processes' changes are not heard.
        "BOARD_MAX_AGE": 10.0,
        "BOARD_LOCAL_MAX_AGE": 1.0,
        # A stream ends after this long (the browser reconnects at once), so that a thread is
        # never held for good and a logged-out account stops receiving.
        "BOARD_STREAM_SECONDS": int(env.get("BOARD_STREAM_SECONDS", "300")),
        "BOARD_HEARTBEAT_SECONDS": 15.0,
        # Viewers are woken at most this often (seconds): changes closer together travel as one.
        "BOARD_MIN_INTERVAL": float(env.get("BOARD_MIN_INTERVAL", "0.25")),
        "BOARD_RETRY_MS": 2000,
        # Streams one process holds at most; each holds a server thread (gthread), so keep it
        # below the worker's threads. Past it a viewer is told to poll (503, Retry-After).
        "BOARD_MAX_STREAMS": int(env.get("BOARD_MAX_STREAMS", "50")),
        # The public (no login) JSON and stream, per client address.
        "BOARD_PUBLIC_LIMITS": env.get("BOARD_PUBLIC_LIMITS", "600 per minute"),
        "BOARD_STREAM_LIMITS": env.get("BOARD_STREAM_LIMITS", "120 per minute"),
    }


# Announcing -----------------------------------------------------------------------------


def _note_change(sender=None, *, event_id, **_extra) -> None:
    """Remember `event_id` until the current transaction ends."""
    if not has_app_context():
        return  # no database session, so no transaction to wait for and nobody to tell
    db.session.info.setdefault(_PENDING, set()).add(int(event_id))


def _publish_pending(session) -> None:
    """After a commit: publish every event noted during the transaction."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        broker = current_app.extensions[_EXTENSION]
    except (RuntimeError, KeyError):
        return  # no app (or an app without the board): nobody to tell
    for event_id in sorted(pending):
        broker.publish(event_id)


def _drop_pending(session, previous_transaction) -> None:
    """After the outermost transaction rolls back, nothing it noted happened."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def init_app(app) -> None:
    """Give `app` a broker and publish committed changes of the standings."""
    for key, value in _defaults().items():
        app.config.setdefault(key, value)
    if app.testing and "BOARD_STREAM_SECONDS" not in os.environ:
        # A test client reads a response to its end: a stream must not hold a test for minutes.
        app.config["BOARD_STREAM_SECONDS"] = 3
    app.extensions[_EXTENSION] = Broker.from_config(app.config)
    standings_changed.connect(_note_change)  # connecting twice keeps one receiver
    if not sa_event.contains(db.session, "after_commit", _publish_pending):
        sa_event.listen(db.session, "after_commit", _publish_pending)
        sa_event.listen(db.session, "after_soft_rollback", _drop_pending)


def broker() -> Broker:
    """The current app's broker."""
    return current_app.extensions[_EXTENSION]


# Hearing --------------------------------------------------------------------------------


class Hub:
    """This process's change counters per event; viewers' threads wait here.

    Viewers are woken at most once per `min_interval`: the first change after a quiet
    moment at once, those that follow it closely together with the last of them. Thirty
    judges scoring at once would otherwise wake every viewer's thread (and compute the
    board) ten times a second, taking the time the judges' own requests need.
    """

    def __init__(self, min_interval: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._versions: dict[int, int] = {}
        self._epoch = 0  # bumped when changes may have been missed (Redis reconnected)
        self._min_interval = min_interval
        self._last_notice = 0.0
        self._timer: threading.Timer | None = None

    def version(self, event_id: int) -> tuple[int, int]:
        """The event's change counter as this process knows it."""
        with self._lock:
            return (self._epoch, self._versions.get(event_id, 0))

    def bump(self, event_id: int) -> None:
        """Count a change of `event_id` and wake its viewers."""
        with self._lock:
            self._versions[event_id] = self._versions.get(event_id, 0) + 1
            self._notify_soon()

    def bump_all(self) -> None:
        """Every event may have changed (messages were lost): wake every viewer."""
        with self._lock:
            self._epoch += 1
            self._notify_soon()

    def _notify_soon(self) -> None:
        """Wake the viewers now, or when `min_interval` has passed since the last time."""
        if self._timer is not None and self._timer.is_alive():
            return  # already due (a timer of the parent process is not alive in a fork)
        wait = self._last_notice + self._min_interval - time.monotonic()
        if wait <= 0:
            self._notice()
        else:
            self._timer = threading.Timer(wait, self._due)
            self._timer.daemon = True
            self._timer.start()

    def _due(self) -> None:
        with self._lock:
            self._timer = None
            self._notice()

    def _notice(self) -> None:
        self._last_notice = time.monotonic()
        self._changed.notify_all()

    def wait(self, event_id: int, seen: tuple[int, int], timeout: float) -> bool:
        """Wait until `event_id` changes after `seen`; False on timeout."""
        with self._lock:
            return self._changed.wait_for(
                lambda: (self._epoch, self._versions.get(event_id, 0)) != seen, timeout
            )


class RedisRelay:
    """Redis pub/sub between processes: publish a change, and one thread per process that
    hears everybody's and bumps this process's hub."""

    def __init__(self, url: str, channel: str, hub: Hub) -> None:
        self.url, self.channel, self.hub = url, channel, hub
        self.listening = threading.Event()
        self._pid = None
        self._client = None
        self._thread = None
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._token = secrets.token_hex(4)

    def origin(self) -> str:
        """This process, as named in the messages it publishes (so it skips its own)."""
        return f"{socket.gethostname()}:{os.getpid()}:{self._token}"

    def _publisher(self):
        import redis

        if self._client is None or self._pid != os.getpid():
            # A client made before a fork is not this process's (its sockets are shared).
            self._client = redis.Redis.from_url(
                self.url, socket_timeout=1, socket_connect_timeout=1
            )
            self._pid = os.getpid()
        return self._client

    def publish(self, event_id: int) -> bool:
        """Tell every process; False when Redis could not be reached."""
        import redis

        try:
            self._publisher().publish(self.channel, f"{event_id} {self.origin()}")
        except redis.RedisError as error:
            log.warning("board change of event %s not published to Redis: %s", event_id, error)
            return False
        return True

    def ensure_listening(self) -> None:
        """Start this process's listener thread (in a forked worker, its own)."""
        if self._thread is not None and self._thread.is_alive():
            return  # a thread of the parent is not alive in a forked child
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self.listening.clear()
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen, name="board-relay", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the listener (tests; a process shutting down needs nothing)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _listen(self) -> None:
        import redis

        pause = 0.5
        while not self._stop.is_set():
            try:
                client = redis.Redis.from_url(
                    self.url, socket_connect_timeout=2, health_check_interval=10
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self.listening.set()
                self.hub.bump_all()  # anything published while we were away
                pause = 0.5
                mine = self.origin()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    self._heard(message["data"], mine)
                pubsub.close()
                client.close()
            except (redis.RedisError, OSError) as error:
                if self.listening.is_set():
                    log.warning("board relay lost Redis (%s); retrying", error)
                self.listening.clear()
                self.hub.bump_all()  # viewers fall back to the short cache age meanwhile
                self._stop.wait(pause)
                pause = min(pause * 2, 10.0)
        self.listening.clear()

    def _heard(self, data, mine: str) -> None:
        try:
            event_part, _, origin = data.decode().partition(" ")
            event_id = int(event_part)
        except (AttributeError, UnicodeDecodeError, ValueError):
            return  # not ours
        if origin != mine:  # our own changes were counted when published
            self.hub.bump(event_id)


class Broker:
    """One app's fan-out: the hub, the Redis relay when configured, the board cache, and
    the count of streams this process holds."""

    def __init__(self, *, redis_url: str | None, channel: str, config) -> None:
        self.hub = Hub(float(config.get("BOARD_MIN_INTERVAL", 0.25)))
        self.relay = RedisRelay(redis_url, channel, self.hub) if redis_url else None
        self.config = config
        self.cache = BoardCache(self)
        self._streams = 0
        self._streams_lock = threading.Lock()

    @classmethod
    def from_config(cls, config) -> Broker:
        """A broker as the app's settings say."""
        return cls(
            redis_url=config["BOARD_REDIS_URL"], channel=config["BOARD_CHANNEL"], config=config
        )

    def publish(self, event_id: int) -> None:
        """A committed change of `event_id`: this process at once, the others through Redis."""
        self.hub.bump(event_id)
        if self.relay is not None:
            self.relay.publish(event_id)

    def start(self) -> None:
        """Make sure changes from other processes are heard (lazily: building the app
        connects to nothing)."""
        if self.relay is not None:
            self.relay.ensure_listening()

    def hears_everyone(self) -> bool:
        """Whether every process's changes reach this one as they happen."""
        return self.relay is not None and self.relay.listening.is_set()

    def max_age(self) -> float:
        """How long a computed board may be reused without a change heard."""
        if self.hears_everyone():
            return float(self.config["BOARD_MAX_AGE"])
        return float(self.config["BOARD_LOCAL_MAX_AGE"])

    def stream_limit(self) -> int:
        """Streams this process may hold: `BOARD_MAX_STREAMS`, and under gunicorn's gthread
        workers never so many that no thread is left for a judge's score."""
        limit = int(self.config["BOARD_MAX_STREAMS"])
        threads = _server_threads()
        if threads is not None:
            limit = min(limit, threads - max(4, threads // 10))
        return max(limit, 0)

    def open_stream(self) -> bool:
        """Take a stream slot of this process; False when all are held."""
        limit = self.stream_limit()
        with self._streams_lock:
            if self._streams >= limit:
                return False
            self._streams += 1
            return True

    def close_stream(self) -> None:
        """Give a stream slot back."""
        with self._streams_lock:
            self._streams = max(0, self._streams - 1)

    @property
    def streams(self) -> int:
        """Streams this process holds now."""
        return self._streams

    def stop(self) -> None:
        """Stop listening (tests)."""
        if self.relay is not None:
            self.relay.stop()


_pool_sizes: dict[tuple[int, str], int | None] = {}  # (pid, pool's thread prefix) -> size


def _server_threads() -> int | None:
    """How many threads serve requests beside this one, when a thread pool runs them
    (gunicorn's gthread worker runs each request on a `ThreadPoolExecutor` thread); None
    otherwise.

    Found once per pool, from the pool that holds the current thread: gunicorn tells the
    application nothing of its settings.
    """
    current = threading.current_thread()
    if not current.name.startswith("ThreadPoolExecutor"):
        return None
    key = (os.getpid(), current.name.rsplit("_", 1)[0])
    if key not in _pool_sizes:
        import gc
        from concurrent.futures import ThreadPoolExecutor

        _pool_sizes[key] = next(
            (
                getattr(pool, "_max_workers", None)
                for pool in gc.get_objects()
                if isinstance(pool, ThreadPoolExecutor) and current in getattr(pool, "_threads", ())
            ),
            None,
        )
    return _pool_sizes[key]


# The board ------------------------------------------------------------------------------


def is_released(event: CompetitionEvent) -> bool:
    """Whether the event's results are released (signed off or later): names are shown."""
    return event.status in RELEASED_STATUSES


def is_frozen(event: CompetitionEvent) -> bool:
    """Whether the public board shows the standings as they were at `frozen_at`."""
    return event.frozen_at is not None and not is_released(event)


def _points(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(_CENT))


def iso_utc(moment: datetime | None) -> str | None:
    """A stored UTC moment as ISO 8601 with its zone."""
    return moment.isoformat() + "Z" if moment else None


def _names(event: CompetitionEvent, contestant_ids: list[int]) -> dict[int, str]:
    """Contestants' names, through the roster's own query."""
    from app.orgs.queries import employees_with_enterprise

    employees = dict(
        db.session.execute(
            select(Contestant.id, Contestant.employee_id).where(
                Contestant.event_id == event.id, Contestant.id.in_(contestant_ids)
            )
        ).all()
    )
    by_employee = {
        employee.id: employee.name
        for employee, _enterprise in employees_with_enterprise(list(employees.values()))
    }
    return {cid: by_employee.get(eid) for cid, eid in employees.items()}


def compute_board(event: CompetitionEvent, view: str = PUBLIC) -> dict:
    """The board of `event` as CONTRACT.md shapes it, for the public or the real view.

    While frozen, the public view holds the standings as they were at `frozen_at`; the
    real view (chief judge, organisers) always holds the current ones. Names only once
    released; rows without a drawn number are not on the board.
    """
    from competitions.standings import event_standings

    released, frozen = is_released(event), is_frozen(event)
    as_of = event.frozen_at if frozen and view == PUBLIC else None
    standings = [s for s in event_standings(event, as_of=as_of) if s.number is not None]
    names = _names(event, [s.contestant_id for s in standings]) if released else {}
    return {
        "event_id": event.id,
        "released": released,
        "frozen": frozen,
        "frozen_at": iso_utc(event.frozen_at) if frozen else None,
        "view": view,
        "rows": [
            {
                "rank": s.rank,
                "number": s.number,
                "practical": _points(s.practical),
                "theory": _points(s.theory),
                "total": _points(s.total),
                "name": names.get(s.contestant_id) if released else None,
            }
            for s in standings
        ],
    }


@dataclass(frozen=True)
class Board:
    """A computed board: its JSON text and a tag naming its content (ETag, SSE id)."""

    version: tuple[int, int]
    computed_at: float
    body: str
    tag: str
    message: bytes  # the board as one server-sent event, encoded once for every viewer


class BoardCache:
    """The last board this process computed per (event, view): computed once per change,
    whatever the number of viewers waiting for it."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._boards: dict[tuple[int, str], Board] = {}
        self._locks: dict[tuple[int, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self.computations = 0  # for tests and the benchmark's notes

    def _lock(self, key) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _fresh(self, board: Board | None, version) -> bool:
        return (
            board is not None
            and board.version == version
            and time.monotonic() - board.computed_at < self.broker.max_age()
        )

    def peek(self, event_id: int, view: str) -> Board | None:
        """The board if this process holds it fresh (no app context, no database)."""
        board = self._boards.get((event_id, view))
        return board if self._fresh(board, self.broker.hub.version(event_id)) else None

    def get(self, event_id: int, view: str) -> Board | None:
        """The board of `event_id` (None: no such event); needs an app context."""
        key = (event_id, view)
        version = self.broker.hub.version(event_id)
        board = self._boards.get(key)
        if self._fresh(board, version):
            return board
        with self._lock(key):  # one computes, the others wait and reuse it
            version = self.broker.hub.version(event_id)
            board = self._boards.get(key)
            if self._fresh(board, version):
                return board
            event = db.session.get(CompetitionEvent, event_id, populate_existing=True)
            if event is None:
                return None
            body = json.dumps(compute_board(event, view), ensure_ascii=False)
            self.computations += 1
            tag = hashlib.sha256(body.encode()).hexdigest()[:20]
            message = f"id: {tag}\ndata: {body}\n\n".encode()
            board = Board(version, time.monotonic(), body, tag, message)
            self._boards[key] = board
            return board


def board(event_id: int, view: str = PUBLIC) -> Board | None:
    """The current board of `event_id` for `view` (cached per change in this process)."""
    current = broker()
    current.start()
    return current.cache.get(event_id, view)


# The stream -----------------------------------------------------------------------------


def stream(app, event_id: int, view: str, last_tag: str | None):
    """Server-sent events: the board now (unless the client holds it), then on every
    change, a comment as heartbeat; ends after `BOARD_STREAM_SECONDS`.

    Runs outside the request: each read of the board takes an app context (and a
    database connection) only for as long as it computes.
    """
    config = app.config
    broker = app.extensions[_EXTENSION]
    hub = broker.hub
    heartbeat = float(config["BOARD_HEARTBEAT_SECONDS"])
    deadline = time.monotonic() + float(config["BOARD_STREAM_SECONDS"])
    yield f"retry: {int(config['BOARD_RETRY_MS'])}\n\n"
    sent = last_tag
    while True:
        seen = hub.version(event_id)
        # After a change one of this process's viewers computes the board; the rest find
        # it here without taking an app context or a database connection.
        current = broker.cache.peek(event_id, view)
        if current is None:
            with app.app_context():
                try:
                    current = board(event_id, view)
                finally:
                    db.session.remove()
        if current is None:
            yield "event: gone\ndata: {}\n\n"
            return
        if current.tag != sent:
            yield current.message
            sent = current.tag
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        if not hub.wait(event_id, seen, min(heartbeat, remaining)):
            yield ": heartbeat\n\n"


# Who sees what, and the freeze ----------------------------------------------------------


def sees_real_board(user, event: CompetitionEvent) -> bool:
    """The event's chief judge and its organisers see the real board while it is frozen,
    and may freeze it."""
    from competitions.policy import leads, organises

    if not getattr(user, "is_authenticated", False):
        return False
    return leads(user, event) or organises(user, event.competition)


def freeze(event: CompetitionEvent, *, by, now: datetime) -> CompetitionEvent:
    """Freeze the public board (封榜) at `now`; freezing again keeps the first moment."""
    if is_released(event):
        raise Conflict("成绩已签核发布，成绩榜无需冻结")
    if event.frozen_at is None:
        event.frozen_at = now
        db.session.flush()
        log.info("board of event %s frozen by user %s", event.id, by.id)
        standings_changed.send(None, event_id=event.id)
    return event


def unfreeze(event: CompetitionEvent, *, by) -> CompetitionEvent:
    """Show the real standings on the public board again."""
    if event.frozen_at is not None:
        event.frozen_at = None
        db.session.flush()
        log.info("board of event %s unfrozen by user %s", event.id, by.id)
        standings_changed.send(None, event_id=event.id)
    return event
