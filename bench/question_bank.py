"""The question bank: importing 5,000 questions from Excel; filtering a bank of 50,000.

Figures:
  question_import_5k_excel      `services.import_questions(bank, "x.xlsx", data)` + commit
                                of a 5,000-question template file (target < 10 s)
  question_filter_50k_p50       one filter of a 50,000-question bank by type and a
  question_filter_50k_p95       mid-level knowledge point (with its descendants): the page
                                of 20 and the count the list page runs (target < 100 ms);
                                median and 95th percentile of 50 runs after a warm-up
  question_list_page_50k_p50    the whole list page for the same filter, through the test
                                client as a provincial admin (20 runs after a warm-up)

Each part has a fresh database of its own. With BENCH_PROFILE=1 the query plans of the
filter's two statements are noted on stderr.
"""

import hashlib
import math
import os
import random
import statistics
import time

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import lazyload

from app.auth.models import Role
from app.auth.services import create_account
from app.extensions import db
from app.orgs.rules.posts import Post
from app.timeutil import utcnow
from bench import BenchError, dialect, fresh_app, note, report, stopwatch
from question_bank import services
from question_bank.models import PROVINCIAL_BANK, KnowledgePoint, Question, QuestionVersion
from question_bank.rules.types import (
    Difficulty,
    Option,
    QuestionDraft,
    QuestionType,
    normalise_stem,
)
from question_bank.spreadsheet import questions_workbook

IMPORT_QUESTIONS = 5_000
IMPORT_TARGET_SECONDS = 10.0
BANK_QUESTIONS = 50_000
FILTER_TARGET_MS = 100.0
RUNS, WARM_UP = 50, 5
PAGE_RUNS = 20
PASSWORD = "bench-pass-2025"

# The knowledge-point tree: 4 subjects × 3 topics × 2 points + the 16 inner nodes = 40.
TREE = {
    "法律法规": {
        "民法典": ["物业服务合同", "业主的建筑物区分所有权"],
        "物业管理条例": ["前期物业管理", "物业的使用与维护"],
        "河北省物业服务规定": ["服务标准", "收费管理"],
    },
    "安全管理": {
        "消防": ["灭火器材", "疏散与演练"],
        "治安": ["门岗管理", "巡逻"],
        "特种设备": ["电梯", "压力容器"],
    },
    "设施设备": {
        "供配电": ["变配电室", "应急照明"],
        "给排水": ["二次供水", "排水管网"],
        "暖通": ["供暖", "通风空调"],
    },
    "客户服务": {
        "礼仪": ["接待礼仪", "电话礼仪"],
        "投诉处理": ["受理", "回访"],
        "费用收缴": ["催缴", "票据"],
    },
}
FILTER_TAG = "安全管理/消防"  # a mid-level point: itself and its two leaves

SUBJECTS = ["物业服务人", "业主委员会", "项目经理", "保安员", "保洁员", "维修电工", "客服专员"]
ACTIONS = ["发现", "处理", "检查", "记录", "报告", "组织", "核实"]
OBJECTS = [
    "消防通道被占用",
    "电梯困人",
    "二次供水水箱污染",
    "业主装修违规",
    "公共区域漏水",
    "物业费催缴纠纷",
    "高空抛物",
    "配电室异常响声",
]
CLAUSES = [
    "应当首先采取哪项措施",
    "下列做法正确的是",
    "依照有关规定应当如何处理",
    "最恰当的处置方式是",
]
OPTION_WORDS = [
    "立即报告项目负责人",
    "先行处置并做好记录",
    "通知业主自行解决",
    "等待下一班次处理",
    "拨打119报警",
    "设置警示标志",
    "停止设备运行",
    "联系专业维保单位",
]


def _points() -> list[str]:
    paths = []
    for subject, topics in TREE.items():
        paths.append(subject)
        for topic, leaves in topics.items():
            paths.append(f"{subject}/{topic}")
            paths += [f"{subject}/{topic}/{leaf}" for leaf in leaves]
    return paths


def _stem(rng: random.Random, number: int, type_: QuestionType) -> str:
    base = (
        f"{rng.choice(SUBJECTS)}在日常工作中{rng.choice(ACTIONS)}“{rng.choice(OBJECTS)}”"
        f"的情况（第{number}号情形）"
    )
    if type_ is QuestionType.TRUE_FALSE:
        return base + "时，可以不作记录直接处理。"
    if type_ is QuestionType.FILL:
        return base + "时，应当在____分钟内向____报告。"
    return base + f"，{rng.choice(CLAUSES)}？"


def make_draft(rng: random.Random, number: int, points: list[str]) -> QuestionDraft:
    """A valid question of a random type, Chinese text, on one of `points`."""
    type_ = rng.choices(list(QuestionType), [40, 25, 20, 15])[0]
    options, answer, blanks = [], None, []
    if type_ in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        texts = rng.sample(OPTION_WORDS, rng.choice([4, 4, 4, 5]))
        options = [Option("ABCDEFGH"[i], t) for i, t in enumerate(texts)]
        keys = [o.key for o in options]
        answer = rng.choice(keys) if type_ is QuestionType.SINGLE else sorted(rng.sample(keys, 2))
    elif type_ is QuestionType.TRUE_FALSE:
        answer = rng.random() < 0.5
    else:
        blanks = [["30", "三十"], ["项目负责人", "项目经理"]]
    return QuestionDraft(
        type=type_,
        stem=_stem(rng, number, type_),
        options=options,
        answer=answer,
        blanks=blanks,
        explanation="依据《物业管理条例》及本省物业服务规定。" if number % 3 else "",
        knowledge_point=rng.choice(points),
        difficulty=rng.choice(list(Difficulty)),
        posts=sorted(rng.sample([p.value for p in Post], rng.choice([0, 0, 1, 2]))),
        levels=sorted(rng.sample([5, 4, 3, 2, 1], rng.choice([0, 0, 1, 2])), reverse=True),
    )


def _percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# --- (a) the import -------------------------------------------------------------------------


def bench_import() -> None:
    rng = random.Random(20250301)
    points = [p for p in _points() if p.count("/") == 2]
    drafts = [make_draft(rng, n, points) for n in range(1, IMPORT_QUESTIONS + 1)]
    with stopwatch() as building:
        data = questions_workbook(drafts)
    note(
        f"import file: {IMPORT_QUESTIONS} questions, {len(data) / 1024:.0f} KiB "
        f"(written in {building[0]:.1f} s)"
    )
    with fresh_app("question-import") as app, app.app_context():
        with stopwatch() as elapsed:
            result = services.import_questions(PROVINCIAL_BANK, "x.xlsx", data)
            db.session.commit()
        questions = db.session.scalar(select(func.count(Question.id)))
        versions = db.session.scalar(select(func.count(QuestionVersion.id)))
        if not result.imported == questions == versions == IMPORT_QUESTIONS:
            raise BenchError(
                f"expected {IMPORT_QUESTIONS} questions, got imported={result.imported}, "
                f"questions={questions}, versions={versions}, skipped={result.skipped[:3]}"
            )
        seconds = elapsed[0]
        report("question_import_5k_excel", seconds, "s")
        missed = "" if seconds < IMPORT_TARGET_SECONDS else ": MISSED"
        note(
            f"{dialect()}: {IMPORT_QUESTIONS} questions imported in {seconds:.2f} s "
            f"(target < {IMPORT_TARGET_SECONDS:.0f} s{missed})"
        )
        if os.environ.get("BENCH_PROFILE"):
            _profile_import(data)


def _profile_import(data: bytes) -> None:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    services.import_questions(PROVINCIAL_BANK, "x.xlsx", data, dry_run=True)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(20)
    note("profile of a dry run (all duplicates now):\n" + out.getvalue())


# --- (b) filtering 50,000 ------------------------------------------------------------------


def _seed_bank(rng: random.Random) -> dict:
    """40 knowledge points and 50,000 questions with one version each, inserted in bulk."""
    services.ensure_bank(PROVINCIAL_BANK)  # the rows below name it by foreign key
    ids: dict[str, int] = {}
    for path in _points():
        parent, _, name = path.rpartition("/")
        node = KnowledgePoint(
            bank=PROVINCIAL_BANK,
            path=path,
            name=name,
            parent_id=ids.get(parent) if parent else None,
        )
        db.session.add(node)
        db.session.flush()
        ids[path] = node.id
    leaves = [p for p in ids if p.count("/") == 2]
    now = utcnow()
    question_rows, version_rows = [], []
    for number in range(1, BANK_QUESTIONS + 1):
        draft = make_draft(rng, number, leaves if number % 10 else list(ids))
        question_rows.append(
            {
                "id": number,
                "bank": PROVINCIAL_BANK,
                "type": draft.type.value,
                "difficulty": draft.difficulty.value,
                "knowledge_point_id": ids[draft.knowledge_point],
                "posts": services._wrap(draft.posts),
                "levels": services._wrap(draft.levels),
                "status": "retired" if number % 25 == 0 else "active",
                "version": 1,
                "stem_search": normalise_stem(draft.stem),
                "signature": hashlib.sha256(draft.stem.encode()).hexdigest(),
                "created_at": now,
                "updated_at": now,
            }
        )
        content = services._content(draft)
        version_rows.append({"question_id": number, "number": 1, "created_at": now, **content})
    for start in range(0, BANK_QUESTIONS, 5_000):
        db.session.execute(insert(Question), question_rows[start : start + 5_000])
        db.session.execute(insert(QuestionVersion), version_rows[start : start + 5_000])
    db.session.commit()
    if dialect() == "postgresql":
        db.session.execute(select(func.setval("questions_id_seq", BANK_QUESTIONS)))
        db.session.commit()
    expected = sum(
        1
        for row in question_rows
        if row["type"] == "single"
        and row["status"] == "active"
        and (
            row["knowledge_point_id"]
            in {ids[p] for p in ids if p == FILTER_TAG or p.startswith(FILTER_TAG + "/")}
        )
    )
    return {"expected": expected}


def _filter_once() -> tuple[float, list[Question], int]:
    """The list page's two statements for the benchmark's filter."""
    start = time.perf_counter()
    stmt = services.search(PROVINCIAL_BANK, type="single", tag=FILTER_TAG)
    items = list(db.session.scalars(stmt.limit(20)))
    # What flask-sqlalchemy's paginate runs for the total.
    sub = stmt.options(lazyload("*")).order_by(None).subquery()
    total = db.session.execute(select(func.count()).select_from(sub)).scalar()
    return time.perf_counter() - start, items, total


def _note_other_filters() -> None:
    """Medians of other filters of the list page (notes only, no target)."""
    for label, filters in (
        ("stem search q=电梯困人", {"q": "电梯困人"}),
        ("top-level point 法律法规", {"tag": "法律法规"}),
        (
            "post=security, level=4, difficulty=hard",
            {"post": "security", "level": 4, "difficulty": "hard"},
        ),
    ):
        samples = []
        for _ in range(3 + 15):
            start = time.perf_counter()
            stmt = services.search(PROVINCIAL_BANK, **filters)
            db.session.scalars(stmt.limit(20)).all()
            sub = stmt.options(lazyload("*")).order_by(None).subquery()
            db.session.execute(select(func.count()).select_from(sub)).scalar()
            samples.append((time.perf_counter() - start) * 1000)
            db.session.expunge_all()
        note(f"  {label}: p50 {statistics.median(samples[3:]):.1f} ms")


def _plans() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    stmt = services.search(PROVINCIAL_BANK, type="single", tag=FILTER_TAG)
    count = select(func.count()).select_from(stmt.order_by(None).subquery())
    compiler = postgresql.dialect() if dialect() == "postgresql" else sqlite.dialect()
    prefix = "EXPLAIN ANALYZE " if dialect() == "postgresql" else "EXPLAIN QUERY PLAN "
    connection = db.session.connection()
    for name, statement in (("page", stmt.limit(20)), ("count", count)):
        compiled = statement.compile(dialect=compiler, compile_kwargs={"literal_binds": True})
        rows = connection.exec_driver_sql(prefix + str(compiled)).all()
        plan = "\n".join("    " + " | ".join(str(v) for v in row) for row in rows)
        note(f"plan of the {name} statement:\n{plan}")


def bench_filter() -> None:
    rng = random.Random(20250302)
    with fresh_app("question-filter") as app:
        with app.app_context(), stopwatch() as seeding:
            seeded = _seed_bank(rng)
            create_account(
                username="bench_province",
                display_name="省协会",
                password=PASSWORD,
                role=Role.PROVINCE_ADMIN,
            )
            db.session.commit()
            if dialect() == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
        note(f"seeded {BANK_QUESTIONS} questions and 40 knowledge points in {seeding[0]:.1f} s")

        with app.app_context():
            samples = []
            for run in range(WARM_UP + RUNS):
                db.session.expunge_all()
                seconds, items, total = _filter_once()
                if run >= WARM_UP:
                    samples.append(seconds * 1000)
            if total != seeded["expected"] or len(items) != 20:
                raise BenchError(
                    f"filter found {total} (expected {seeded['expected']}), page of {len(items)}"
                )
            if any(q.type != "single" for q in items) or items != sorted(
                items, key=lambda q: -q.id
            ):
                raise BenchError("the page holds other types or is not newest first")
            p50, p95 = statistics.median(samples), _percentile(samples, 0.95)
            report("question_filter_50k_p50", p50, "ms")
            report("question_filter_50k_p95", p95, "ms")
            missed = "" if p95 < FILTER_TARGET_MS else ": MISSED"
            note(
                f"{dialect()}: {total} of {BANK_QUESTIONS} match type=single, tag={FILTER_TAG}; "
                f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (target < {FILTER_TARGET_MS:.0f} ms{missed})"
            )
            _note_other_filters()
            if os.environ.get("BENCH_PROFILE"):
                _plans()

        _bench_page(app, seeded["expected"])


def _bench_page(app, expected: int) -> None:
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/login", json={"username": "bench_province", "password": PASSWORD}
    )
    if response.status_code != 200:
        raise BenchError(f"login failed: {response.status_code}")
    url = f"/question-bank/?type=single&tag={FILTER_TAG}"
    samples = []
    for run in range(3 + PAGE_RUNS):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise BenchError(f"list page answered {response.status_code}")
        if run >= 3:
            samples.append(elapsed * 1000)
    if f"共 {expected} 条" not in response.get_data(as_text=True):
        raise BenchError("the list page does not show the expected total")
    report("question_list_page_50k_p50", statistics.median(samples), "ms")


def main() -> None:
    bench_import()
    bench_filter()


if __name__ == "__main__":
    main()
