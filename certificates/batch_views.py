"""Pages of certification batches (职业技能等级认定): set-up, registration, the candidate's view.

The "assessment" pages register their routes on this same blueprint (``certification``):
they link back here by `certification.show` (a batch) and `certification.index`.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.errors import Conflict, DomainError, Invalid, Refused
from app.extensions import db
from app.form_errors import show_on_form
from app.orgs.rules.posts import POST_LABELS
from app.roles import Role
from app.security import Action, get_or_404, may, role_of
from app.timeutil import local_today, utcnow
from certificates import batches
from certificates.batch_forms import (
    AGGREGATION_LABELS,
    CANDIDATE_STATUS_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    AssessorForm,
    BatchForm,
    CancelForm,
    ItemForm,
    PhotoForm,
    RegisterForm,
)
from certificates.models import AssessmentItem, Assessor, CertificationBatch, CertificationCandidate
from certificates.rules import eligibility, levels

bp = Blueprint("certification", __name__, template_folder="templates", url_prefix="/certification")

SEARCH_LIMIT = 30
ADMINS = (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)


@bp.context_processor
def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "candidate_status_labels": CANDIDATE_STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "aggregation_labels": AGGREGATION_LABELS,
        "part_labels": batches.PART_LABELS,
        "level_label": levels.label,
        "points": batches.points_text,
        "post_labels": {p.value: label for p, label in POST_LABELS.items()},
        "has_endpoint": lambda name: name in current_app.view_functions,
    }


def _role() -> Role:
    return role_of(current_user)


def _back(batch_id: int, anchor: str = "") -> Response:
    return redirect(url_for("certification.show", batch_id=batch_id) + anchor)


# The list and a batch --------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The batches the caller sees (a trainee: their own, on 我的认定)."""
    if _role() is Role.TRAINEE:
        return redirect(url_for("certification.mine"))
    found = batches.batches_of(current_user)
    return render_template(
        "certificates/batches/list.html",
        batches=found,
        counts=batches.candidate_counts(current_user, [b.id for b in found]),
        can_create=_role() is Role.PROVINCE_ADMIN,
        today=local_today(),
    )


def _batch_form() -> BatchForm:
    form = BatchForm()
    form.theory_exam_id.choices = [SelectChoice(0, "暂不设置")] + [
        SelectChoice(e.id, e.title) for e in batches.exam_choices(current_user)
    ]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Open a batch (the provincial admin)."""
    if _role() is not Role.PROVINCE_ADMIN:
        abort(403)
    form = _batch_form()
    if form.validate_on_submit():
        try:
            batch = batches.create_batch(form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        else:
            flash("认定批次已创建，请设置评分细则和考评员。", "success")
            return _back(batch.id)
    return render_template("certificates/batches/form.html", form=form, batch=None)


@bp.route("/<int:batch_id>/edit", methods=["GET", "POST"])
@login_required
def edit(batch_id: int):
    """Change a batch's settings."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    form = _batch_form()
    if request.method == "GET":
        form.fill(batch)
    if form.validate_on_submit():
        try:
            batches.update_batch(batch, form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        except Conflict as error:
            flash(error.message, "danger")
        else:
            flash("批次设置已保存。", "success")
            return _back(batch.id)
    return render_template("certificates/batches/form.html", form=form, batch=batch)


def _assessor_form() -> AssessorForm:
    form = AssessorForm(prefix="assessor")
    form.username.choices = [
        SelectChoice(u.username, f"{u.display_name}（{u.username}）")
        for u in batches.assessor_accounts()
    ]
    return form


def _search(batch: CertificationBatch, q: str) -> list[tuple]:
    """(employee, enterprise name, why not) of the caller's roster matching `q`."""
    if not q:
        return []
    today = local_today()
    return [
        (e, name, batches.eligibility_problem(batch, e, by=current_user, today=today))
        for e, name in batches.roster_search(current_user, q, SEARCH_LIMIT)
    ]


@bp.get("/<int:batch_id>")
@login_required
def show(batch_id: int):
    """A batch: settings, rubric, assessors, registration and candidates (what the caller may)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id)
    return _render_batch(batch)


def _render_batch(batch: CertificationBatch, **forms):
    manager = may(current_user, Action.MANAGE, batch)
    today = local_today()
    q = request.args.get("q", "").strip()[:32]
    registers = may(current_user, Action.MANAGE_ROSTER, batch) and (
        batches.registration_open(batch, today) or (manager and batch.status == "registration")
    )
    item_form = forms.get("item_form") or ItemForm(prefix="item")
    if not batch.needs_review:
        item_form.part.choices = [SelectChoice("practical", batches.PART_LABELS["practical"])]
    return render_template(
        "certificates/batches/show.html",
        batch=batch,
        manager=manager,
        registers=registers,
        withdraws=registers,
        exam=batches.exam_of(batch),
        rule=eligibility.describe(batches.requirement(batch)),
        candidates=batches.candidates(batch, current_user),
        assessors=batches.assessors(batch) if _role() in ADMINS else [],
        warnings=batches.rubric_warnings(batch),
        totals={p: batches.part_total(batch, p) for p in batches.parts_of(batch)},
        parts=batches.parts_of(batch),
        item_form=item_form,
        assessor_form=forms.get("assessor_form") or _assessor_form(),
        register_form=RegisterForm(prefix="reg"),
        cancel_form=forms.get("cancel_form") or CancelForm(prefix="cancel"),
        cancellable=manager and batch.status != "cancelled" and not batches.cancel_problem(batch),
        photo_form=PhotoForm(prefix="photo"),
        q=q,
        found=_search(batch, q) if registers else [],
        today=today,
        sees_tickets_only=_role() in (Role.JUDGE, Role.CHIEF_JUDGE),
    )


# Rubric -----------------------------------------------------------------------------------


@bp.post("/<int:batch_id>/items")
@login_required
def add_item(batch_id: int):
    """Add a rubric item to a part."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    form = ItemForm(prefix="item")
    if form.validate_on_submit():
        try:
            item = batches.add_item(batch, form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        except Conflict as error:
            flash(error.message, "danger")
        else:
            flash(f"评分项 {item.code} 已添加。", "success")
            return _back(batch.id, "#rubric")
    return _render_batch(batch, item_form=form), 422


def _item(item_id: int) -> AssessmentItem:
    item = db.session.get(AssessmentItem, item_id)
    if item is None:
        abort(404)
    get_or_404(current_user, CertificationBatch, item.batch_id, Action.MANAGE, lock=True)
    return item


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int):
    """Change a rubric item."""
    item = _item(item_id)
    form = ItemForm(obj=None if request.method == "POST" else item)
    if request.method == "GET":
        form.max_points.data = batches.points_text(item.max_points)
    if form.validate_on_submit():
        try:
            batches.update_item(item, form.values(), by=current_user)
        except Invalid as error:
            show_on_form(form, error)
        except Conflict as error:
            flash(error.message, "danger")
        else:
            flash(f"评分项 {item.code} 已保存。", "success")
            return _back(item.batch_id, "#rubric")
    return render_template("certificates/batches/item_form.html", form=form, item=item)


@bp.post("/items/<int:item_id>/delete")
@login_required
def delete_item(item_id: int):
    """Delete a rubric item."""
    item = _item(item_id)
    batch_id, code = item.batch_id, item.code
    try:
        batches.remove_item(item, by=current_user)
    except Conflict as error:
        flash(error.message, "danger")
    else:
        flash(f"评分项 {code} 已删除。", "success")
    return _back(batch_id, "#rubric")


# Assessors ---------------------------------------------------------------------------------


@bp.post("/<int:batch_id>/assessors")
@login_required
def appoint(batch_id: int):
    """Appoint a judge or chief judge to score a part."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    form = _assessor_form()
    if form.validate_on_submit():
        try:
            assessor = batches.appoint_assessor(
                batch, form.username.data, form.part.data, chief=form.chief.data, by=current_user
            )
        except (Invalid, Conflict) as error:
            flash(error.message, "danger")
        else:
            flash(f"已安排考评员 {assessor.user.display_name}。", "success")
    else:
        flash("请选择考评员和考核部分。", "danger")
    return _back(batch.id, "#assessors")


@bp.post("/assessors/<int:assessor_id>/remove")
@login_required
def remove_assessor(assessor_id: int):
    """Take an assessor off a part."""
    assessor = db.session.get(Assessor, assessor_id)
    if assessor is None:
        abort(404)
    get_or_404(current_user, CertificationBatch, assessor.batch_id, Action.MANAGE, lock=True)
    batch_id = assessor.batch_id
    try:
        batches.remove_assessor(assessor, by=current_user)
    except Conflict as error:
        flash(error.message, "danger")
    else:
        flash("已撤销该考评员的安排。", "success")
    return _back(batch_id, "#assessors")


# Registration ------------------------------------------------------------------------------


@bp.post("/<int:batch_id>/candidates")
@login_required
def register(batch_id: int):
    """Register the employees chosen from the roster search (all or none)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE_ROSTER, lock=True)
    form = RegisterForm(prefix="reg")
    q = (form.q.data or "")[:32]
    if not form.validate_on_submit():
        flash("请选择要报名的人员。", "danger")
    else:
        try:
            entered = batches.register(batch, form.employee_ids.data or [], by=current_user)
        except (Invalid, Conflict, Refused) as error:
            _flash_refusal(error)
            return redirect(
                url_for("certification.show", batch_id=batch.id, q=q or None) + "#register"
            )
        flash(f"已报名 {len(entered)} 人。", "success")
    return redirect(url_for("certification.show", batch_id=batch.id, q=q or None) + "#register")


def _flash_refusal(error: DomainError) -> None:
    details = [d["message"] for d in error.details if isinstance(d, dict) and d.get("message")]
    if len(details) > 1:
        flash("以下人员不能报名，本次选择的人员均未报名：" + "；".join(details), "danger")
    else:
        flash(details[0] if details else error.message, "danger")


def _candidate(candidate_id: int, action: Action = Action.VIEW) -> CertificationCandidate:
    return get_or_404(current_user, CertificationCandidate, candidate_id, action, lock=True)


@bp.post("/candidates/<int:candidate_id>/withdraw")
@login_required
def withdraw(candidate_id: int):
    """退报."""
    candidate = _candidate(candidate_id, Action.MANAGE_ROSTER)
    try:
        done = batches.withdraw(candidate, by=current_user)
    except (Conflict, Refused) as error:
        flash(error.message, "danger")
    else:
        flash(
            "；".join(filter(None, [f"{candidate.employee.name} 已退报", done.message])) + "。",
            "success",
        )
    return _back(candidate.batch_id, "#candidates")


@bp.post("/candidates/<int:candidate_id>/photo")
@login_required
def upload_photo(candidate_id: int):
    """Upload a candidate's photo (JPEG/PNG, ≤ 2 MB)."""
    candidate = _candidate(candidate_id, Action.MANAGE_ROSTER)
    form = PhotoForm(prefix="photo")
    if not form.validate_on_submit() or not form.photo.data:
        flash("请选择照片文件。", "danger")
        return _back(candidate.batch_id, "#candidates")
    data = form.photo.data.read(batches.PHOTO_MAX_BYTES + 1)
    try:
        batches.set_photo(candidate, data, by=current_user)
    except (Invalid, Conflict, Refused) as error:
        flash(f"{candidate.employee.name}：{error.message}", "danger")
    else:
        flash(f"{candidate.employee.name} 的照片已上传。", "success")
    return _back(candidate.batch_id, "#candidates")


@bp.get("/candidates/<int:candidate_id>/photo")
@login_required
def photo(candidate_id: int):
    """A candidate's photo (to those who see the candidate by name)."""
    candidate = get_or_404(current_user, CertificationCandidate, candidate_id)
    if candidate.photo is None or _role() in (Role.JUDGE, Role.CHIEF_JUDGE):
        abort(404)
    response = Response(candidate.photo, mimetype=batches.photo_type(candidate.photo))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:batch_id>/start")
@login_required
def start(batch_id: int):
    """Close registration and give ticket numbers (registration → assessing)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    try:
        started = batches.start_assessment(batch, by=current_user)
    except Conflict as error:
        _flash_refusal(error)
    else:
        flash(f"报名已截止，考核开始：已为 {len(started)} 名考生编排准考证号。", "success")
    return _back(batch.id)


@bp.post("/<int:batch_id>/cancel")
@login_required
def cancel(batch_id: int):
    """取消批次 (the provincial admin, with a reason, before any certificate is issued)."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE, lock=True)
    form = CancelForm(prefix="cancel")
    if not form.validate_on_submit():
        return _render_batch(batch, cancel_form=form), 422
    try:
        done = batches.cancel_batch(batch, form.reason.data, by=current_user, now=utcnow())
    except (Invalid, Conflict, Refused) as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(done.message + "。", "success")
    return _back(batch.id)


# The candidate's view ----------------------------------------------------------------------


@bp.get("/mine")
@login_required
def mine():
    """我的认定: a trainee's batches, exam, assessment time and place, ticket and results."""
    if _role() is not Role.TRAINEE:
        return redirect(url_for("certification.index"))
    return render_template(
        "certificates/batches/mine.html",
        candidacies=[
            (c, c.batch, batches.exam_of(c.batch)) for c in batches.my_candidacies(current_user)
        ],
    )
