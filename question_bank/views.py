"""Pages of the question bank: browse, write, import, export."""

import base64
import re
import secrets
import time
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from app.errors import Invalid
from app.extensions import db
from app.form_errors import show_on_form
from app.orgs.rules.posts import Post
from app.security import Action, get_or_404, may
from app.spreadsheet import FileRefused
from question_bank import images, services
from question_bank.forms import ConfirmImportForm, QuestionForm, QuestionImportForm
from question_bank.models import PROVINCIAL_BANK, Question
from question_bank.policy import owned_bank, readable_banks
from question_bank.rules.types import (
    LEVELS,
    OPTION_KEYS,
    Difficulty,
    FillRules,
    Option,
    QuestionDraft,
    QuestionType,
)

bp = Blueprint("question_bank", __name__, template_folder="templates", url_prefix="/question-bank")

PENDING_IMPORT_SECONDS = 3600
PREVIEW_IMAGE_BYTES = 512 * 1024  # larger stem images are named in a preview, not shown

# A web address in a stem: imports keep a link as 「words（https://…）」. Chinese punctuation
# ends it, so does a closing bracket it did not open.
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'（）【】「」《》，。；：！？、“”‘’\u3000]+", re.I)


@bp.app_template_filter("with_links")
def with_links(text: str | None, limit: int | None = None) -> Markup:
    """Text escaped, its http(s) addresses made links that open in a new tab; cut to `limit`
    characters with "…" (an address the cut shortens is not made a link)."""
    parts, position = [], 0
    text = text or ""
    cut = limit is not None and len(text) > limit
    if cut:
        text = text[: limit - 1]
    for match in _WEB_ADDRESS.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        if url.endswith(")") and "(" not in url:
            url = url[:-1]
        if cut and match.end() == len(text):
            break
        parts.append(escape(text[position : match.start()]))
        parts.append(
            Markup(
                '<a href="{0}" target="_blank" rel="noopener noreferrer nofollow">{0}</a>'
            ).format(url)
        )
        position = match.start() + len(url)
    parts.append(escape(text[position:] + ("…" if cut else "")))
    return Markup("").join(parts)


@bp.app_template_filter("image_data_uri")
def image_data_uri(data: bytes) -> str | None:
    """A data: URI of a stem image small enough to show in a preview, else None."""
    name = images.image_name(data) if not images.image_problem(data) else None
    if name is None or len(data) > PREVIEW_IMAGE_BYTES:
        return None
    mimetype = images.MIMETYPES[name.rsplit(".", 1)[1]]
    return f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"


def _bank() -> str:
    banks = readable_banks(current_user)
    requested = request.args.get("bank")
    bank = requested or owned_bank(current_user) or (banks[0] if banks else None)
    if bank is None or bank not in banks:
        abort(404)
    return bank


def _owned_bank() -> str:
    bank = owned_bank(current_user)
    if bank is None:
        abort(403)
    return bank


def bank_label(bank: str) -> str:
    """A bank's name for people."""
    return "省协会题库" if bank == PROVINCIAL_BANK else "本企业题库"


@bp.get("/")
@login_required
def index():
    """Browse and search a bank."""
    bank = _bank()
    filters = {
        name: request.args.get(name) or None for name in ("type", "tag", "q", "difficulty", "post")
    }
    level = request.args.get("level", type=int)
    status = request.args.get("status", "active")
    stmt = services.search(bank, level=level, status=status, **filters)
    page = db.paginate(stmt, per_page=20, error_out=False)
    return render_template(
        "question_bank/index.html",
        # No question at all (not just none matching): say how to start instead.
        bank_empty=not page.items and services.bank_state(bank) is None,
        bank=bank,
        bank_label=bank_label(bank),
        banks=readable_banks(current_user),
        owner=bank == owned_bank(current_user),
        page=page,
        filters=filters,
        level=level,
        status=status,
        types=list(QuestionType),
        difficulties=list(Difficulty),
        levels=LEVELS,
        paths=services.knowledge_point_paths(bank),
        drafts={q.id: services.draft_of(q) for q in page.items},
        post_choices=list(Post),
        export_args={k: v for k, v in {**filters, "level": level, "status": status}.items() if v},
    )


@bp.get("/knowledge-points")
@login_required
def knowledge_points():
    """How many active questions each knowledge point holds, by type and difficulty."""
    bank = _bank()
    return render_template(
        "question_bank/knowledge_points.html",
        bank=bank,
        bank_label=bank_label(bank),
        rows=services.knowledge_point_counts(bank),
        types=list(QuestionType),
        difficulties=list(Difficulty),
    )


def _lines(text: str | None) -> str:
    """Textarea text with the browser's CRLF line breaks as LF, as imports and the API store it."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _draft_from(form: QuestionForm) -> QuestionDraft:
    type_ = QuestionType(form.type.data)
    options, answer, blanks = [], None, []
    if type_ in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        texts = [(f.data or "").strip() for f in form.option_fields()]
        while texts and not texts[-1]:
            texts.pop()
        options = [Option(key, text) for key, text in zip(OPTION_KEYS, texts, strict=False)]
        correct = sorted(form.correct.data or [])
        answer = correct[0] if type_ is QuestionType.SINGLE and len(correct) == 1 else correct
    elif type_ is QuestionType.TRUE_FALSE:
        answer = {"true": True, "false": False}.get(form.true_false.data)
    else:
        blanks = [
            [a.strip() for a in line.split("/") if a.strip()]
            for line in (form.blanks.data or "").splitlines()
            if line.strip()
        ]
    return QuestionDraft(
        type=type_,
        stem=_lines(form.stem.data),
        options=options,
        answer=answer,
        blanks=blanks,
        fill_rules=FillRules(
            trim=form.fill_trim.data,
            ignore_width=form.fill_ignore_width.data,
            ignore_case=form.fill_ignore_case.data,
        ),
        explanation=_lines(form.explanation.data),
        knowledge_point=(form.knowledge_point.data or "").strip() or None,
        difficulty=Difficulty(form.difficulty.data),
        posts=form.posts.data or [],
        levels=[int(v) for v in form.levels.data or []],
    )


def _fill_form(form: QuestionForm, question: Question) -> None:
    draft = services.draft_of(question)
    form.type.data = draft.type.value
    form.stem.data = draft.stem
    for field, option in zip(form.option_fields(), draft.options, strict=False):
        field.data = option.text
    if draft.type is QuestionType.SINGLE:
        form.correct.data = [draft.answer]
    elif draft.type is QuestionType.MULTIPLE:
        form.correct.data = list(draft.answer or [])
    elif draft.type is QuestionType.TRUE_FALSE:
        form.true_false.data = "true" if draft.answer else "false"
    form.blanks.data = "\n".join("/".join(b) for b in draft.blanks)
    form.fill_trim.data = draft.fill_rules.trim
    form.fill_ignore_width.data = draft.fill_rules.ignore_width
    form.fill_ignore_case.data = draft.fill_rules.ignore_case
    form.explanation.data = draft.explanation
    form.knowledge_point.data = draft.knowledge_point or ""
    form.difficulty.data = draft.difficulty.value
    form.posts.data = draft.posts
    form.levels.data = [str(v) for v in draft.levels]


def _uploaded_image(form: QuestionForm):
    """The stored name of a newly uploaded image, None to remove it, or KEEP."""
    upload = form.image.data
    if upload and getattr(upload, "filename", ""):
        return images.store_image(upload.read())
    if form.remove_image.data:
        return None
    return services.KEEP_IMAGE


def _save(form: QuestionForm, question: Question | None, bank: str):
    try:
        image = _uploaded_image(form)
        draft = _draft_from(form)
        if question is None:
            question = services.create_question(
                bank,
                draft,
                user_id=current_user.id,
                image=None if image is services.KEEP_IMAGE else image,
            )
        else:
            services.update_question(question, draft, user_id=current_user.id, image=image)
    except Invalid as error:  # the image's under its field, the question's problems flashed
        show_on_form(form, error)
        return None
    flash(f"试题已保存（第 {question.version} 版）。", "success")
    return redirect(url_for("question_bank.question", question_id=question.id))


@bp.route("/questions/new", methods=["GET", "POST"])
@login_required
def new_question():
    """Write a question into the caller's own bank."""
    bank = _owned_bank()
    form = QuestionForm()
    if request.method == "GET":
        form.type.data = request.args.get("type", "single")
    if form.validate_on_submit():
        response = _save(form, None, bank)
        if response:
            return response
    return render_template(
        "question_bank/question_form.html",
        form=form,
        question=None,
        paths=services.knowledge_point_paths(bank),
    )


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(question_id: int):
    """Edit a question; changed content becomes a new version."""
    question = get_or_404(current_user, Question, question_id, Action.MANAGE)
    form = QuestionForm()
    if request.method == "GET":
        _fill_form(form, question)
    if form.validate_on_submit():
        response = _save(form, question, question.bank)
        if response:
            return response
    return render_template(
        "question_bank/question_form.html",
        form=form,
        question=question,
        paths=services.knowledge_point_paths(question.bank),
    )


@bp.get("/questions/<int:question_id>")
@login_required
def question(question_id: int):
    """A question: its current content and, for owners, the answer and every version."""
    question = get_or_404(current_user, Question, question_id)
    owner = may(current_user, Action.MANAGE, question)
    return render_template(
        "question_bank/question.html",
        question=question,
        draft=services.draft_of(question),
        owner=owner,
        levels=LEVELS,
        versions=[(v, services.draft_of(question, v)) for v in reversed(question.versions)]
        if owner
        else [],
    )


@bp.post("/questions/<int:question_id>/retire")
@login_required
def retire(question_id: int):
    """Retire or restore a question."""
    question = get_or_404(current_user, Question, question_id, Action.MANAGE)
    services.set_retired(question, question.status == services.ACTIVE)
    flash(
        "试题已停用，不会再进入新试卷。"
        if question.status == services.RETIRED
        else "试题已恢复使用。",
        "success",
    )
    return redirect(url_for("question_bank.question", question_id=question.id))


@bp.get("/images/<name>")
@login_required
def image(name: str):
    """A stem image, to those who may see a question showing it; with headers that stop a
    browser from guessing its type."""
    path = images.image_path(name)
    if path is None or not images.may_see_image(current_user, name):
        abort(404)
    response = send_file(path, mimetype=images.MIMETYPES[path.suffix[1:]], max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _pending_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "pending-imports"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():  # previews nobody confirmed
        if now - old.stat().st_mtime > PENDING_IMPORT_SECONDS:
            old.unlink(missing_ok=True)
    return folder


def _pending_path(token: str) -> Path | None:
    if not token.replace("-", "").replace("_", "").isalnum():
        return None
    matches = list(_pending_folder().glob(f"{current_user.id}-{token}.*"))
    return matches[0] if matches else None


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    """Upload a file and see a preview of what it holds, problem by problem."""
    bank = _owned_bank()
    form = QuestionImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        report = services.import_questions(bank, upload.filename, data, dry_run=True)
        token = secrets.token_urlsafe(12)
        extension = upload.filename.rsplit(".", 1)[-1].lower()
        (_pending_folder() / f"{current_user.id}-{token}.{extension}").write_bytes(data)
        return render_template(
            "question_bank/import_preview.html",
            report=report,
            filename=upload.filename,
            confirm=ConfirmImportForm(token=token),
        )
    return render_template("question_bank/import.html", form=form, bank_label=bank_label(bank))


@bp.post("/import/confirm")
@login_required
def import_confirm():
    """Import the previewed file: all or nothing."""
    bank = _owned_bank()
    form = ConfirmImportForm()
    path = _pending_path(form.token.data or "") if form.validate_on_submit() else None
    if path is None:
        flash("预览已过期，请重新上传文件。", "warning")
        return redirect(url_for("question_bank.import_upload"))
    try:
        with db.session.begin_nested():  # the refusal below redirects (302): keep nothing
            report = services.import_questions(
                bank, path.name, path.read_bytes(), user_id=current_user.id
            )
    except FileRefused:
        flash("文件中有错误，未导入任何试题，请修改后重新上传。", "danger")
        return redirect(url_for("question_bank.import_upload"))
    path.unlink(missing_ok=True)
    message = f"已导入 {report.imported} 道试题。"
    if report.skipped:
        message += f"跳过 {len(report.skipped)} 道（不支持的题型或重复）。"
    flash(message, "success")
    return redirect(url_for("question_bank.index"))
