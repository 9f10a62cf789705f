"""Pages: regions, enterprises, rosters, roster files, the export record."""

from io import BytesIO

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
from sqlalchemy import select
from wtforms import SelectChoice

from app.auth.models import Role, User
from app.errors import Invalid
from app.extensions import db
from app.form_errors import show_on_form
from app.orgs import queries, services
from app.orgs.clashes import clash_limit, clashes_recorded
from app.orgs.forms import (
    EmployeeEditForm,
    EmployeeForm,
    EnterpriseForm,
    ExternalCertificateForm,
    LeaveForm,
    RehireForm,
    RosterExportForm,
    RosterImportForm,
)
from app.orgs.learning_record import learning_record
from app.orgs.models import Employee, Enterprise, ExternalCertificate, PiiExport, Region
from app.orgs.rules.posts import Post
from app.security import Action, get_or_404, may, require_role, visible
from app.spreadsheet import FileRefused
from app.timeutil import local_today

bp = Blueprint("orgs", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/regions")
@login_required
def regions():
    """The regions with their enterprises and on-duty employees."""
    require_role(current_user, Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
    rows = queries.region_summary(current_user, local_today())
    return render_template("orgs/regions.html", rows=rows)


@bp.get("/enterprises")
@login_required
def enterprises():
    """Enterprises in scope, searchable by name or credit code."""
    require_role(current_user, Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
    region_id = request.args.get("region_id", type=int)
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "active")
    stmt = queries.enterprise_list(current_user, region_id=region_id, q=q, status=status)
    page = db.paginate(stmt, per_page=30, error_out=False)
    counts = queries.on_duty_counts([e.id for e in page.items], local_today())
    region_choices = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    if current_user.role == Role.CITY_ADMIN:
        region_choices = [r for r in region_choices if r.id == current_user.region_id]
    return render_template(
        "orgs/enterprises.html",
        page=page,
        counts=counts,
        regions=region_choices,
        region_id=region_id,
        q=q,
        status=status,
    )


def _region_choices(form: EnterpriseForm) -> None:
    regions = db.session.scalars(select(Region).order_by(Region.sort_order))
    if current_user.role == Role.CITY_ADMIN:
        regions = [r for r in regions if r.id == current_user.region_id]
    form.region_id.choices = [SelectChoice(r.id, r.name) for r in regions]


def _save_enterprise_form(form: EnterpriseForm, enterprise: Enterprise):
    try:
        with db.session.begin_nested():  # a refusal shown in the form leaves nothing changed
            services.save_enterprise(
                enterprise,
                name=form.name.data,
                credit_code=form.credit_code.data,
                region_id=form.region_id.data,
                address=form.address.data or "",
                contact_name=form.contact_name.data or "",
                contact_phone=form.contact_phone.data or "",
            )
    except Invalid as error:
        show_on_form(form, error)
        return None
    flash(f"已保存企业：{enterprise.name}", "success")
    return redirect(url_for("orgs.enterprise", enterprise_id=enterprise.id))


@bp.route("/enterprises/new", methods=["GET", "POST"])
@login_required
def new_enterprise():
    """Register an enterprise."""
    require_role(current_user, Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
    form = EnterpriseForm()
    _region_choices(form)
    if form.validate_on_submit():
        response = _save_enterprise_form(form, Enterprise())
        if response:
            return response
    return render_template("orgs/enterprise_form.html", form=form, enterprise=None)


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def edit_enterprise(enterprise_id: int):
    """Edit an enterprise."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE)
    form = EnterpriseForm(obj=enterprise)
    _region_choices(form)
    if form.validate_on_submit():
        response = _save_enterprise_form(form, enterprise)
        if response:
            return response
    return render_template("orgs/enterprise_form.html", form=form, enterprise=enterprise)


@bp.post("/enterprises/<int:enterprise_id>/active")
@login_required
def toggle_enterprise(enterprise_id: int):
    """Deactivate or reactivate an enterprise."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE)
    services.set_enterprise_active(enterprise, not enterprise.active)
    flash(f"企业已{'启用' if enterprise.active else '停用'}：{enterprise.name}", "success")
    return redirect(url_for("orgs.enterprise", enterprise_id=enterprise.id))


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def enterprise(enterprise_id: int):
    """An enterprise: details, roster summary by post, its admins."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id)
    if current_user.role == Role.TRAINEE:
        abort(404)
    today = local_today()
    by_post = queries.post_counts(
        select(Employee).where(Employee.enterprise_id == enterprise.id), today
    )
    admins = db.session.scalars(
        select(User).where(
            User.enterprise_id == enterprise.id, User.role == Role.ENTERPRISE_ADMIN.value
        )
    ).all()
    return render_template(
        "orgs/enterprise.html",
        enterprise=enterprise,
        by_post=by_post,
        admins=admins,
        may_manage=may(current_user, Action.MANAGE, enterprise),
        may_roster=may(current_user, Action.MANAGE_ROSTER, enterprise),
    )


@bp.get("/roster")
@login_required
def my_roster():
    """An enterprise admin's own roster."""
    require_role(current_user, Role.ENTERPRISE_ADMIN)
    return redirect(url_for("orgs.roster", enterprise_id=current_user.enterprise_id))


@bp.get("/enterprises/<int:enterprise_id>/employees")
@login_required
def roster(enterprise_id: int):
    """The roster (花名册): search by name, filter by post and status."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id)
    if current_user.role == Role.TRAINEE:
        abort(404)
    q = request.args.get("q", "").strip()
    post = request.args.get("post", "")
    status = request.args.get("status", "on_duty")
    stmt = queries.roster(enterprise.id, q=q, post=post, status=status, today=local_today())
    page = db.paginate(stmt, per_page=30, error_out=False)
    return render_template(
        "orgs/roster.html",
        enterprise=enterprise,
        page=page,
        q=q,
        post=post,
        status=status,
        posts=list(Post),
        may_roster=may(current_user, Action.MANAGE_ROSTER, enterprise),
        may_unmask=may(current_user, Action.EXPORT_ID_NUMBERS, enterprise),
        export_form=RosterExportForm(),
        today=local_today(),
    )


@bp.route("/enterprises/<int:enterprise_id>/employees/new", methods=["GET", "POST"])
@login_required
@clash_limit
def new_employee(enterprise_id: int):
    """Add one person to the roster."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE_ROSTER)
    form = EmployeeForm()
    if form.validate_on_submit():
        try:
            with clashes_recorded(enterprise, "页面"):
                employee = services.add_employee(
                    enterprise,
                    name=form.name.data,
                    id_number=form.id_number.data,
                    phone=form.phone.data,
                    post=Post(form.post.data),
                    hired_on=form.hired_on.data,
                    sees_full_numbers=may(current_user, Action.EXPORT_ID_NUMBERS, enterprise),
                )
        except Invalid as error:
            show_on_form(form, error)
        else:
            flash(f"已添加：{employee.name}", "success")
            return redirect(url_for("orgs.roster", enterprise_id=enterprise.id))
    return render_template(
        "orgs/employee_form.html", form=form, enterprise=enterprise, employee=None
    )


@bp.get("/employees/<int:employee_id>")
@login_required
def employee(employee_id: int):
    """A person: details, duty periods, certificates from other issuers, account."""
    employee = get_or_404(current_user, Employee, employee_id)
    account = db.session.scalar(select(User).where(User.employee_id == employee.id))
    return render_template(
        "orgs/employee.html",
        employee=employee,
        account=account,
        may_manage=may(current_user, Action.MANAGE, employee),
        leave_form=LeaveForm(left_on=local_today()),
        rehire_form=RehireForm(hired_on=local_today()),
        today=local_today(),
        record=learning_record(employee, local_today(), leave_out={"external"}),
    )


@bp.get("/employees/<int:employee_id>/record")
@login_required
def learning_record_page(employee_id: int):
    """The person's learning record (学习档案) as a page made for printing."""
    employee = get_or_404(current_user, Employee, employee_id)
    require_role(current_user, Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)
    today = local_today()
    return render_template(
        "orgs/learning_record.html",
        employee=employee,
        record=learning_record(employee, today),
        today=today,
    )


@bp.route("/employees/<int:employee_id>/edit", methods=["GET", "POST"])
@login_required
@clash_limit
def edit_employee(employee_id: int):
    """Correct a person's details."""
    employee = get_or_404(current_user, Employee, employee_id, Action.MANAGE)
    form = EmployeeEditForm(obj=employee)
    if request.method == "GET":
        form.id_number.data = ""
    if form.validate_on_submit():
        enterprise = employee.enterprise
        sees_full = may(current_user, Action.EXPORT_ID_NUMBERS, enterprise)
        try:
            with (
                clashes_recorded(enterprise, "页面修改"),
                db.session.begin_nested(),  # a refusal shown in the form leaves nothing changed
            ):
                services.update_employee(
                    employee,
                    name=form.name.data,
                    post=Post(form.post.data),
                    phone=form.phone.data,
                    id_number=form.id_number.data,
                    sees_full_numbers=sees_full,
                )
        except Invalid as error:
            show_on_form(form, error)
        else:
            flash("已保存。", "success")
            return redirect(url_for("orgs.employee", employee_id=employee.id))
    return render_template(
        "orgs/employee_form.html", form=form, enterprise=employee.enterprise, employee=employee
    )


def _duty_change(employee_id: int, form_class, change, done: str):
    employee = get_or_404(current_user, Employee, employee_id, Action.MANAGE)
    form = form_class()
    if form.validate_on_submit():
        try:
            change(employee, form)
        except Invalid as error:
            flash(error.message, "danger")
        else:
            flash(done.format(name=employee.name), "success")
    else:
        for errors in form.errors.values():
            flash("；".join(errors), "danger")
    return redirect(url_for("orgs.employee", employee_id=employee_id))


@bp.post("/employees/<int:employee_id>/leave")
@login_required
def leave(employee_id: int):
    """Mark a person as having left (the record stays)."""
    return _duty_change(
        employee_id,
        LeaveForm,
        lambda e, f: services.mark_left(e, f.left_on.data),
        "{name} 已标记为离职。",
    )


@bp.post("/employees/<int:employee_id>/rehire")
@login_required
def rehire(employee_id: int):
    """Put a person who had left back on duty."""
    return _duty_change(
        employee_id,
        RehireForm,
        lambda e, f: services.rehire(e, f.hired_on.data),
        "{name} 已重新入职。",
    )


@bp.route("/employees/<int:employee_id>/certificates/new", methods=["GET", "POST"])
@login_required
def new_external_certificate(employee_id: int):
    """Record a certificate from another issuer."""
    employee = get_or_404(current_user, Employee, employee_id, Action.MANAGE)
    form = ExternalCertificateForm()
    if form.validate_on_submit():
        try:
            services.add_external_certificate(
                employee,
                name=form.name.data.strip(),
                occupation=(form.occupation.data or "").strip() or None,
                level=int(form.level.data) if form.level.data else None,
                revoked_on=form.revoked_on.data,
                issuer=form.issuer.data.strip(),
                number=(form.number.data or "").strip(),
                post=form.post.data or None,
                issued_on=form.issued_on.data,
                expires_on=form.expires_on.data,
            )
        except Invalid as error:
            show_on_form(form, error)
        else:
            flash("证书已登记。", "success")
            return redirect(url_for("orgs.employee", employee_id=employee.id))
    return render_template("orgs/certificate_form.html", form=form, employee=employee)


@bp.post("/external-certificates/<int:certificate_id>/delete")
@login_required
def delete_external_certificate(certificate_id: int):
    """Remove a certificate recorded by mistake."""
    certificate = db.session.get(ExternalCertificate, certificate_id) or abort(404)
    employee = get_or_404(current_user, Employee, certificate.employee_id, Action.MANAGE)
    db.session.delete(certificate)
    flash("证书记录已删除。", "success")
    return redirect(url_for("orgs.employee", employee_id=employee.id))


@bp.route("/enterprises/<int:enterprise_id>/employees/import", methods=["GET", "POST"])
@login_required
@clash_limit
def import_roster(enterprise_id: int):
    """Upload a roster file; every error is listed by row and column, nothing half-imported."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE_ROSTER)
    form = RosterImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            with clashes_recorded(enterprise, "页面导入"):
                result = services.import_roster(
                    enterprise,
                    form.file.data.read(),
                    max_rows=current_app.config["ROSTER_MAX_ROWS"],
                    sees_full_numbers=may(current_user, Action.EXPORT_ID_NUMBERS, enterprise),
                )
        except FileRefused as error:
            errors = error.details
        else:
            message = f"已导入 {result.imported} 名从业人员。"
            if result.ignored_columns:
                message += f"（已忽略无法识别的列：{'、'.join(result.ignored_columns)}）"
            flash(message, "success")
            return redirect(url_for("orgs.roster", enterprise_id=enterprise.id))
    return render_template("orgs/import.html", form=form, enterprise=enterprise, errors=errors)


@bp.post("/enterprises/<int:enterprise_id>/employees/export")
@login_required
def export_roster(enterprise_id: int):
    """Download the roster; full identity numbers only for entitled roles, and recorded."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id)
    if current_user.role == Role.TRAINEE:
        abort(404)
    form = RosterExportForm()
    if not form.validate_on_submit():
        abort(400)
    unmasked = bool(form.unmasked.data)
    if unmasked and not may(current_user, Action.EXPORT_ID_NUMBERS, enterprise):
        abort(403)
    data = services.export_roster(
        enterprise,
        unmasked=unmasked,
        user_id=current_user.id,
        remote_addr=request.remote_addr or "",
    )
    suffix = "（完整证件号）" if unmasked else ""
    return send_file(
        BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"花名册-{enterprise.name}-{local_today().isoformat()}{suffix}.xlsx",
    )


@bp.get("/pii-exports")
@login_required
def pii_exports():
    """Who exported unmasked identity numbers, when and what."""
    require_role(current_user, Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN)
    stmt = (
        select(PiiExport)
        .where(visible(current_user, PiiExport))
        .order_by(PiiExport.created_at.desc())
    )
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("orgs/pii_exports.html", page=page)
