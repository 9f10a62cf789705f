"""Pages of the certificates package: 我的证书, the certificates in an admin's scope, one
certificate (with revocation for the provincial admin), issuing a batch with its progress,
and certificates for competition winners promoted one level."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from app.errors import DomainError
from app.extensions import db
from app.form_once import OnceForm
from app.roles import Role
from app.security import Action, get_or_404, may, require_role, visible
from app.timeutil import local_today
from app.web import BaseForm
from certificates import issuing, jobs, tasks
from certificates.models import Certificate, CertificateJob, CertificationBatch
from certificates.rules.levels import LEVELS

bp = Blueprint(
    "certificates",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
    url_prefix="/certificates",
)

STATUS_LABELS = {"valid": "有效", "revoked": "已吊销"}
BATCH_STATUS_LABELS = {
    "registration": "报名中",
    "assessing": "考核中",
    "published": "成绩公示中",
    "issued": "已颁证",
    "cancelled": "已取消",
}
ADMINS = (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)
PER_PAGE = 30


class RevokeForm(BaseForm):
    reason = TextAreaField(
        "吊销原因",
        validators=[
            InputRequired("请填写吊销原因"),
            Length(*issuing.REASON_LENGTH, message="吊销原因应为 2–255 个字"),
        ],
        description="将显示在公开查验页上，例如：以不正当手段取得证书，经复核予以吊销。",
    )


class IssueForm(OnceForm):
    mode = HiddenField(
        default="queue",
        validators=[AnyOf(["queue", "now"], message="无效的操作"), Length(max=8)],
    )


class PromotionForm(OnceForm):
    """Issue every pending promotion certificate (a button)."""


def _context():
    return {
        "level_labels": LEVELS,
        "status_labels": STATUS_LABELS,
        "batch_status_labels": BATCH_STATUS_LABELS,
        "has_pdf": "certificates.download_pdf" in current_app.view_functions,
    }


@bp.get("/")
@login_required
def index():
    """The certificates in an admin's scope, filtered by batch, status and number."""
    require_role(current_user, *ADMINS)
    stmt = select(Certificate).where(visible(current_user, Certificate))
    batch_id = request.args.get("batch", type=int)
    status = request.args.get("status", "")
    number = request.args.get("q", "").strip()[:22].upper()
    if batch_id:
        stmt = stmt.where(Certificate.batch_id == batch_id)
    if status == "valid":
        stmt = stmt.where(Certificate.revoked_on.is_(None))
    elif status == "revoked":
        stmt = stmt.where(Certificate.revoked_on.is_not(None))
    if number:
        stmt = stmt.where(Certificate.number.startswith(number, autoescape=True))
    stmt = stmt.order_by(Certificate.issued_on.desc(), Certificate.number)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    batches = db.session.scalars(
        select(CertificationBatch)
        .where(CertificationBatch.status == "issued")
        .order_by(CertificationBatch.id.desc())
    ).all()
    awaiting = []
    if current_user.role == Role.PROVINCE_ADMIN:  # batches whose certificates are to issue
        awaiting = db.session.scalars(
            select(CertificationBatch)
            .where(CertificationBatch.status == "published")
            .order_by(CertificationBatch.id)
        ).all()
    return render_template(
        "certificates/index.html",
        page=page,
        batches=batches,
        awaiting=awaiting,
        filters={"batch": batch_id, "status": status, "q": number},
        can_promote=current_user.role == Role.PROVINCE_ADMIN,
        **_context(),
    )


@bp.get("/mine")
@login_required
def mine():
    """我的证书: a trainee's own certificates."""
    require_role(current_user, Role.TRAINEE)
    certificates = db.session.scalars(
        select(Certificate)
        .where(visible(current_user, Certificate))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    ).all()
    return render_template("certificates/mine.html", certificates=certificates, **_context())


@bp.get("/<int:certificate_id>")
@login_required
def detail(certificate_id):
    """One certificate as printed, its status, and the revocation form (provincial admin)."""
    certificate = get_or_404(current_user, Certificate, certificate_id)
    form = RevokeForm() if may(current_user, Action.MANAGE, certificate) else None
    return render_template(
        "certificates/detail.html", certificate=certificate, form=form, **_context()
    )


@bp.post("/<int:certificate_id>/revoke")
@login_required
def revoke(certificate_id):
    """Revoke a certificate with a reason (provincial admin)."""
    certificate = get_or_404(current_user, Certificate, certificate_id, Action.MANAGE)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            issuing.revoke(certificate, form.reason.data, current_user, local_today())
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(f"证书 {certificate.number} 已吊销", "success")
            return redirect(url_for(".detail", certificate_id=certificate.id))
    page = render_template(
        "certificates/detail.html", certificate=certificate, form=form, **_context()
    )
    return page, 422


@bp.route("/batches/<int:batch_id>/issue", methods=["GET", "POST"])
@login_required
def issue_batch(batch_id):
    """A batch's issuing: who passed, whether it may be issued, the button and the progress."""
    batch = get_or_404(current_user, CertificationBatch, batch_id, Action.MANAGE)
    form = IssueForm()
    if form.validate_on_submit():
        try:
            if form.mode.data == "now":
                job = tasks.issue_now(batch, current_user)
                flash(f"已颁发 {job.done} 本证书", "success")
            else:
                tasks.start_issue(batch, current_user)  # sent once the request commits
        except DomainError as error:
            db.session.rollback()  # nothing of a refused issue is kept
            flash(error.message, "danger")
        return redirect(url_for(".issue_batch", batch_id=batch.id))
    job = tasks.latest_job(batch)
    passed = issuing.passed_candidates(batch) if batch.status != "issued" else []
    issued = db.session.scalar(
        select(db.func.count(Certificate.id)).where(Certificate.batch_id == batch.id)
    )
    return render_template(
        "certificates/issue.html",
        batch=batch,
        form=form,
        job=job,
        job_state=tasks.job_status(job) if job else None,
        passed=passed,
        issued=issued,
        blocked=issuing.why_not_issuable(batch),
        limit=current_app.config["CERTIFICATE_ISSUE_IN_REQUEST_LIMIT"],
        batch_url=(
            url_for("certification.show", batch_id=batch.id)
            if "certification.show" in current_app.view_functions
            else None
        ),
        **_context(),
    )


@bp.get("/jobs/<int:job_id>")
@login_required
def job_status(job_id):
    """A job's progress as JSON, for the issuing page to poll."""
    job = db.session.get(CertificateJob, job_id)
    if job is None or job.kind != jobs.ISSUE:
        abort(404)
    get_or_404(current_user, CertificationBatch, job.batch_id, Action.MANAGE)
    return jsonify(tasks.job_status(job))


@bp.route("/promotions", methods=["GET", "POST"])
@login_required
def promotions():
    """Competition winners promoted one level who have no certificate yet (provincial admin)."""
    require_role(current_user, Role.PROVINCE_ADMIN)
    form = PromotionForm()
    if form.validate_on_submit():
        try:
            issued = issuing.issue_promoted(current_user, local_today())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(f"已颁发 {len(issued)} 本晋级证书", "success")
        return redirect(url_for(".promotions"))
    return render_template(
        "certificates/promotions.html",
        pending=issuing.pending_promotions(),
        form=form,
        **_context(),
    )
