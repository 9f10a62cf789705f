"""Manager pages: create exams, preview, proctor board, results, statistics."""

import re
from datetime import datetime, timedelta
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from openpyxl import Workbook
from sqlalchemy import select

from app.auth.models import Role
from app.errors import Conflict, Invalid
from app.extensions import db
from app.orgs import queries as org_queries
from app.security import Action, get_or_404
from app.timeutil import LOCAL_TZ, local_today, utcnow
from exams import candidates, queries, reports, services
from exams import review as presenters
from exams.forms import (
    PARTIAL_LABELS,
    REVIEW_LABELS,
    SCORING_LABELS,
    CandidatesForm,
    ExamForm,
    RuleForm,
    centipoints,
    to_utc,
)
from exams.models import (
    Attempt,
    Exam,
)
from exams.views_common import points
from question_bank import services as bank_services
from question_bank import version_cache
from question_bank.policy import owned_bank
from question_bank.rules.types import Difficulty, QuestionType

bp = Blueprint("exam_admin", __name__, template_folder="templates", url_prefix="/exams/manage")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MANAGER_ROLES = {Role.PROVINCE_ADMIN, Role.ENTERPRISE_ADMIN}
UNMATCHED_SHOWN = 20  # unmatched rows listed in the message (it travels in the session cookie)
LETTERS = "ABCDEFGH"
TYPE_LABELS = {t.value: t.label for t in QuestionType}
DIFFICULTY_LABELS = {d.value: d.label for d in Difficulty}
SUBMIT_REASONS = {
    "manual": "考生交卷",
    "deadline": "到时自动交卷",
    "leave_limit": "离开页面超限自动交卷",
    "proctor": "监考结束作答",
}
EVENT_LABELS = {
    "blur": "离开页面（窗口失去焦点）",
    "visibility_hidden": "离开页面（页面被隐藏）",
    "focus": "回到页面",
    "visibility_visible": "回到页面（页面可见）",
    "takeover": "在另一台设备上继续作答",
    "extension": "延时",
    "closed": "监考结束作答",
}


@bp.context_processor
def _template_helpers() -> dict:
    return {"points": points, "type_labels": TYPE_LABELS}


def _bank() -> str:
    """The bank the caller's exams draw from; 403 for anyone who owns none."""
    bank = owned_bank(current_user)
    if bank is None or Role(current_user.role) not in MANAGER_ROLES:
        abort(403)
    return bank


def _exam(exam_id: int) -> Exam:
    return get_or_404(current_user, Exam, exam_id, Action.MANAGE)


def exam_state(exam: Exam, now: datetime) -> str:
    """未开始 / 进行中 / 已结束, from the exam's window."""
    if now < exam.opens_at:
        return "未开始"
    return "已结束" if now >= exam.closes_at else "进行中"


# Candidates -------------------------------------------------------------------------------


def _candidate_form(form_class=CandidatesForm):
    form = form_class()
    form.candidate_enterprises.choices = org_queries.active_enterprises_by_region(current_user)
    return form


def _candidates(form: CandidatesForm) -> tuple[list[int], list[candidates.Unmatched]]:
    """Employee ids named by the form; raises ValueError (Chinese) for an unreadable file."""
    ids = candidates.of_enterprises(
        current_user, form.candidate_enterprises.data or [], form.candidate_posts.data or []
    )
    unmatched: list[candidates.Unmatched] = []
    upload = form.candidate_file.data
    if upload and getattr(upload, "filename", ""):
        matched, unmatched = candidates.from_upload(current_user, upload.read(), local_today())
        ids += matched
    return list(dict.fromkeys(ids)), unmatched


def _flash_unmatched(unmatched: list[tuple[int, str, str]]) -> None:
    if not unmatched:
        return
    items = Markup("").join(
        Markup("<li>第 {} 行{}：{}</li>").format(row, f" {shown}" if shown else "", reason)
        for row, shown, reason in unmatched[:UNMATCHED_SHOWN]
    )
    more = len(unmatched) - UNMATCHED_SHOWN
    tail = Markup("<li>……另有 {} 行</li>").format(more) if more > 0 else ""
    flash(
        Markup("名单中有 {} 行未匹配到考生，未添加：<ul class='mb-0'>{}{}</ul>").format(
            len(unmatched), items, tail
        ),
        "warning",
    )


@bp.get("/candidate-template.xlsx")
@login_required
def candidate_template():
    """An empty candidate list: 姓名, 身份证号 (a text column), 人员编号."""
    _bank()
    book = Workbook()
    sheet = book.active
    sheet.title = "考生名单"
    sheet.append(["姓名", "身份证号", "人员编号"])
    for row in range(2, 2002):  # identity numbers typed as numbers would lose digits
        sheet.cell(row=row, column=2).number_format = "@"
    sheet.column_dimensions["B"].width = 24
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name="考生名单模板.xlsx")


# Listing and creating -------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The caller's exams with their state, candidates and submissions."""
    bank = _bank()
    stmt = select(Exam).where(Exam.bank == bank).order_by(Exam.opens_at.desc(), Exam.id.desc())
    page = db.paginate(stmt, per_page=20, error_out=False)
    now = utcnow()
    return render_template(
        "exams/manage/index.html",
        page=page,
        counts=queries.exam_counts(now, [e.id for e in page.items]),
        states={e.id: exam_state(e, now) for e in page.items},
    )


def _bank_counts(bank: str) -> list[dict]:
    """Active questions under each knowledge point (its subtree, as a rule's tag matches)."""
    own = bank_services.knowledge_point_counts(bank)
    paths = sorted(set(bank_services.knowledge_point_paths(bank)) | {r["path"] for r in own})
    rows = []
    for path in paths:
        inside = [r for r in own if r["path"] == path or r["path"].startswith(path + "/")]
        row = {"path": path, "depth": path.count("/"), "total": sum(r["total"] for r in inside)}
        for kind in TYPE_LABELS:
            row[kind] = sum(r.get(kind, 0) for r in inside)
            row[kind + ":title"] = "，".join(
                f"{label} {sum(r.get(f'{kind}:{level}', 0) for r in inside)}"
                for level, label in DIFFICULTY_LABELS.items()
            )
        rows.append(row)
    return [r for r in rows if r["total"]]


def _new_form_defaults(form: ExamForm) -> None:
    start = datetime.now(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)
    form.opens_at.data = start + timedelta(hours=1)
    form.closes_at.data = start + timedelta(hours=3)


def _settings(form: ExamForm) -> dict:
    answers = form.review.data == "answers"
    return {
        "title": form.title.data.strip(),
        "time_limit_seconds": form.time_limit_minutes.data * 60,
        "opens_at": to_utc(form.opens_at.data),
        "closes_at": to_utc(form.closes_at.data),
        "pass_score": centipoints(form.pass_score.data),
        "max_attempts": form.max_attempts.data,
        "scoring": form.scoring.data,
        "shuffle_questions": form.shuffle_questions.data,
        "shuffle_options": form.shuffle_options.data,
        "partial_credit": form.partial_credit.data,
        "partial_percent": form.partial_percent.data or 50,
        "review": form.review.data,
        "review_from": to_utc(form.review_from.data) if answers else None,
        "review_while_attempts_left": answers and form.review_while_attempts_left.data,
        "leave_limit": form.leave_limit.data,
        "rules": form.paper_rules,
        "fixed_questions": form.fixed_questions,
    }


def _show_refusal(form: ExamForm, error: Invalid) -> None:
    """Put a refusal of the service next to what caused it."""
    if error.code == "rules_unfillable":
        for detail in error.details:
            row = form.rule_rows[detail["rule"]]
            number = f"第 {detail['rule'] + 1} 条规则"
            form.paper_problems.append(detail["message"].replace(number, f"第 {row + 1} 条规则", 1))
            form.rules[row].form.count.errors.append(f"只有 {detail['available']} 题可用")
    elif form.paper_mode.data == "fixed" and error.message.startswith("固定试卷"):
        form.fixed_paper.errors.append(error.message)
    elif error.details:
        form.paper_problems.extend(d["message"] for d in error.details)
    else:
        form.form_errors.append(error.message)


def _create(form: ExamForm, bank: str):
    try:
        candidate_ids, unmatched = _candidates(form)
    except ValueError as error:  # an unreadable candidate list (SpreadsheetError included)
        form.candidate_file.errors.append(str(error))
        return None
    try:
        exam = services.create_exam(
            bank=bank, user_id=current_user.id, candidate_ids=candidate_ids, **_settings(form)
        )
    except Invalid as error:  # shown inside the form, beside what caused it
        _show_refusal(form, error)
        return None
    flash(f"考试“{exam.title}”已创建，考生 {len(candidate_ids)} 人。", "success")
    _flash_unmatched(unmatched)
    return redirect(url_for(".detail", exam_id=exam.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Create an exam: settings, paper rules or a fixed paper, candidates."""
    bank = _bank()
    form = _candidate_form(ExamForm)
    form.paper_problems = []
    if request.method == "GET":
        _new_form_defaults(form)
    if form.validate_on_submit():
        response = _create(form, bank)
        if response:
            return response
    return render_template(
        "exams/manage/form.html",
        form=form,
        paths=bank_services.knowledge_point_paths(bank),
        bank_counts=_bank_counts(bank),
        blank_rule=RuleForm(prefix="rules-__prefix__-"),
        has_errors=request.method == "POST",
    )


# One exam ------------------------------------------------------------------------------------


def _paper_summary(exam: Exam) -> list[dict]:
    if not exam.fixed_questions:
        return [
            {
                "type": TYPE_LABELS.get(r["type"], r["type"]),
                "count": r["count"],
                "points": points(r["points"]),
                "tags": "、".join(r.get("tags") or []) or "不限",
                "difficulty": DIFFICULTY_LABELS.get(r.get("difficulty"), "不限"),
                "subtotal": points(r["count"] * r["points"]),
            }
            for r in exam.rules
        ]
    current = bank_services.current_version_ids_of(i["question_id"] for i in exam.fixed_questions)
    versions = version_cache.get_many(current.values())
    return [
        {
            "question_id": i["question_id"],
            "type": TYPE_LABELS.get(versions[current[i["question_id"]]].type, ""),
            "stem": versions[current[i["question_id"]]].stem,
            "points": points(i["points"]),
        }
        for i in exam.fixed_questions
        if i["question_id"] in current
    ]


@bp.get("/<int:exam_id>")
@login_required
def detail(exam_id: int):
    """An exam's settings, paper, candidates and the way to its other pages."""
    exam = _exam(exam_id)
    by_enterprise = org_queries.employees_per_enterprise(queries.candidate_ids(exam.id))
    now = utcnow()
    counts = queries.exam_counts(now, [exam.id])
    return render_template(
        "exams/manage/detail.html",
        exam=exam,
        state=exam_state(exam, now),
        paper=_paper_summary(exam),
        max_score=points(services.max_score(exam)),
        by_enterprise=by_enterprise,
        counts={name: values.get(exam.id, 0) for name, values in counts.items()},
        form=_candidate_form(),
        labels={"scoring": SCORING_LABELS, "partial": PARTIAL_LABELS, "review": REVIEW_LABELS},
    )


@bp.post("/<int:exam_id>/candidates")
@login_required
def add_candidates(exam_id: int):
    """Admit more candidates: whole enterprises (some posts), or a list in .xlsx."""
    exam = _exam(exam_id)
    form = _candidate_form()
    back = redirect(url_for(".detail", exam_id=exam.id))
    if not form.validate_on_submit() or not form.has_candidates():
        errors = [e for field in form for e in field.errors]
        flash(errors[0] if errors else "请选择企业或上传考生名单。", "warning")
        return back
    try:
        ids, unmatched = _candidates(form)
    except ValueError as error:
        flash(str(error), "danger")
        return back
    added = services.add_candidates(exam, ids)
    known = len(ids) - added
    flash(f"新增考生 {added} 人。" + (f"另有 {known} 人已在名单中。" if known else ""), "success")
    _flash_unmatched(unmatched)
    return back


@bp.get("/<int:exam_id>/preview")
@login_required
def preview(exam_id: int):
    """A sample paper drawn by the exam's rules, with answers (nothing is stored)."""
    exam = _exam(exam_id)
    try:
        paper, problem = reports.sample_paper(exam), None
    except Conflict as error:  # the bank can no longer fill the rules: said on the page
        paper, problem = [], error
    return render_template(
        "exams/manage/preview.html",
        exam=exam,
        paper=paper,
        problem=problem,
        total=sum(q["points"] for q in paper),
    )


@bp.get("/<int:exam_id>/board")
@login_required
def board(exam_id: int):
    """The proctor's live board (the page refreshes itself from the board API)."""
    exam = _exam(exam_id)
    now = utcnow()
    return render_template(
        "exams/manage/board.html",
        exam=exam,
        rows=reports.board(exam, now),
        state=exam_state(exam, now),
        now=now,
    )


@bp.get("/<int:exam_id>/results")
@login_required
def results(exam_id: int):
    """Every candidate's counted result."""
    exam = _exam(exam_id)
    rows = reports.results(exam, utcnow())
    return render_template(
        "exams/manage/results.html",
        exam=exam,
        rows=rows,
        **reports.tally(rows),
        reasons=SUBMIT_REASONS,
        states=reports.RESULT_STATES,
    )


@bp.get("/<int:exam_id>/results.xlsx")
@login_required
def results_export(exam_id: int):
    """The results as an Excel file."""
    exam = _exam(exam_id)
    title = re.sub(r'[\\/:*?"<>|]+', "_", exam.title)
    return send_file(
        BytesIO(reports.results_workbook(exam, utcnow())),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"成绩-{title}-{local_today().isoformat()}.xlsx",
    )


@bp.get("/attempts/<int:attempt_id>")
@login_required
def review(attempt_id: int):
    """One attempt: the paper in the candidate's order, responses, key, marks and events."""
    attempt = get_or_404(current_user, Attempt, attempt_id, Action.MANAGE)
    now = utcnow()
    events = queries.attempt_events(attempt.id)
    attempts = queries.attempts_of(attempt.exam_id, attempt.employee_id)
    return render_template(
        "exams/manage/review.html",
        attempt=attempt,
        exam=attempt.exam,
        items=presenters.manager_items(attempt),
        events=events,
        users=queries.display_names({e.by_user_id for e in events if e.by_user_id}),
        event_labels=EVENT_LABELS,
        reasons=SUBMIT_REASONS,
        overdue=queries.is_overdue(attempt, now),
        others=attempts,
        counted=queries.counted_attempt(attempts, attempt.exam.scoring),
    )


@bp.get("/<int:exam_id>/statistics")
@login_required
def statistics(exam_id: int):
    """Moodle's quiz statistics: facility, discrimination, efficiency, options, alpha."""
    exam = _exam(exam_id)
    report = reports.statistics(exam)
    versions = queries.versions_given(exam.id)
    bars = {
        q["question_id"]: presenters.option_bars(
            versions[q["question_id"]], q["options"], q["attempts"]
        )
        for q in report["questions"]
    }
    return render_template(
        "exams/manage/statistics.html",
        exam=exam,
        report=report,
        bars=bars,
        negatives=sum(1 for q in report["questions"] if q["negative"]),
    )
