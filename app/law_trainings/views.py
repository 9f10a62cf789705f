"""Law-training pages: events (city and provincial admins), the public sign-up, check-in."""

from datetime import date
from io import BytesIO

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectChoice

from app.auth.models import Role
from app.errors import Conflict, Invalid
from app.extensions import db, limiter
from app.form_errors import error_field, show_on_form
from app.law_trainings import rules, services, spreadsheet
from app.law_trainings.forms import (
    CheckinCodeForm,
    LookupForm,
    SignupForm,
    TrainingForm,
)
from app.law_trainings.models import (
    AUDIENCE_TYPES,
    CANCELLED,
    LawTraining,
    LawTrainingSignup,
)
from app.law_trainings.rules import mask_phone, normalise_phone
from app.orgs.models import PiiExport, Region
from app.security import Action, get_or_404, may, require_role
from app.timeutil import local_today
from app.web import public_form, public_url

bp = Blueprint("law_trainings", __name__, url_prefix="/law-trainings")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADMINS = (Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
# Per client address: 5 successful sign-ups per 10 minutes and 30 per day; any 30 posts
# per 10 minutes (bots trying field values) are refused as well.
SIGNUP_LIMITS = "5 per 10 minutes;30 per day"
SIGNUP_POST_LIMIT = "30 per 10 minutes"
# Look-ups that find nothing, per client address and per phone number asked about (from any
# address): a person mistyping gets several tries, someone trying digits gets few.
LOOKUP_MISSES_PER_ADDRESS = "10 per hour;20 per day"
LOOKUP_MISSES_PER_PHONE = "5 per hour;10 per day"
LOOKUP_MISSED = (
    "未找到报名记录。请核对手机号、姓名和身份证号后 4 位（须与报名时一致）；"
    "仍找不到的，培训当天可凭姓名和手机号由现场工作人员签到。"
)
_SENT = "law_training_signup"  # session key: what the last sign-up form held


@bp.app_template_filter("audience_label")
def _audience_label(value: str) -> str:
    return AUDIENCE_TYPES.get(value, value)


@bp.app_template_filter("masked_phone")
def _masked_phone(value: str) -> str:
    return mask_phone(value or "")


def _counts(training_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not training_ids:
        return {}
    rows = db.session.execute(
        select(
            LawTrainingSignup.training_id,
            func.count(),
            func.count(LawTrainingSignup.checked_in_at),
        )
        .where(LawTrainingSignup.training_id.in_(training_ids))
        .group_by(LawTrainingSignup.training_id)
    ).all()
    return {t: (s, a) for t, s, a in rows}


def _managed(training_id: int) -> LawTraining:
    require_role(current_user, *ADMINS)
    training = get_or_404(current_user, LawTraining, training_id)
    if not may(current_user, Action.MANAGE, training):
        abort(404)  # another region's event: its sign-ups are none of this admin's business
    return training


def _year_arg() -> int:
    year = request.args.get("year", type=int)
    today = local_today()
    return year if year and 2000 <= year <= 2100 else today.year


# --- admin: events -------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """Events of the year: all regions for the province, the own region for a city admin."""
    require_role(current_user, *ADMINS)
    year = _year_arg()
    stmt = select(LawTraining).where(
        LawTraining.held_on.between(date(year, 1, 1), date(year, 12, 31))
    )
    if current_user.role == Role.CITY_ADMIN:
        stmt = stmt.where(LawTraining.region_id == current_user.region_id)
    else:
        region_id = request.args.get("region_id", type=int)
        if region_id:
            stmt = stmt.where(LawTraining.region_id == region_id)
    trainings = db.session.scalars(
        stmt.order_by(LawTraining.held_on.desc(), LawTraining.starts_at.desc())
    ).all()
    counts = _counts([t.id for t in trainings])
    today = local_today()
    states = {t.id: services.state(t, counts.get(t.id, (0, 0))[0], today) for t in trainings}
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    return render_template(
        "law_trainings/index.html",
        trainings=trainings,
        counts=counts,
        states=states,
        year=year,
        years=range(today.year + 1, today.year - 5, -1),
        regions=regions,
        region_id=request.args.get("region_id", type=int),
    )


def _training_form(training: LawTraining | None) -> TrainingForm:
    form = TrainingForm(obj=training)
    regions = db.session.scalars(select(Region).order_by(Region.sort_order)).all()
    if current_user.role == Role.CITY_ADMIN:
        regions = [r for r in regions if r.id == current_user.region_id]
        form.region_id.validate_choice = False  # fixed to the own region when saving
    form.region_id.choices = [SelectChoice(r.id, r.name) for r in regions]
    if request.method == "GET" and training is None:
        form.audience_types.data = list(AUDIENCE_TYPES)
        form.starts_at.data = "09:00"
    return form


def _save(form: TrainingForm, training: LawTraining) -> bool:
    if not form.validate_on_submit():
        return False
    region_id = form.region_id.data
    if current_user.role == Role.CITY_ADMIN:
        region_id = current_user.region_id  # fixed to the own region
    try:
        services.save_training(
            training,
            region_id=region_id,
            topic=form.topic.data,
            held_on=form.held_on.data,
            starts_at=form.starts_at.data,
            place=form.place.data,
            speakers=form.speakers.data,
            capacity=form.capacity.data,
            audience_types=form.audience_types.data,
            description=form.description.data,
        )
    except Invalid as error:
        show_on_form(form, error)
        return False
    return True


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require_role(current_user, *ADMINS)
    form = _training_form(None)
    training = LawTraining(created_by_id=current_user.id)
    if _save(form, training):
        flash("培训已创建，报名已开放", "success")
        return redirect(url_for(".show", training_id=training.id))
    return render_template("law_trainings/form.html", form=form, training=None)


@bp.route("/<int:training_id>/edit", methods=["GET", "POST"])
@login_required
def edit(training_id: int):
    training = _managed(training_id)
    if training.status == CANCELLED:
        flash("已取消的培训不能修改", "warning")
        return redirect(url_for(".show", training_id=training.id))
    form = _training_form(training)
    if _save(form, training):
        flash("培训信息已保存", "success")
        return redirect(url_for(".show", training_id=training.id))
    return render_template("law_trainings/form.html", form=form, training=training)


@bp.post("/<int:training_id>/cancel")
@login_required
def cancel(training_id: int):
    training = _managed(training_id)
    services.cancel(training)
    flash("培训已取消（记录保留，不计入覆盖情况）", "success")
    return redirect(url_for(".show", training_id=training.id))


@bp.post("/<int:training_id>/signup-state")
@login_required
def signup_state(training_id: int):
    training = _managed(training_id)
    is_open = request.form.get("open") == "1"
    try:
        services.set_signup_open(training, is_open)
        flash("报名已开放" if is_open else "报名已关闭", "success")
    except Conflict as error:
        flash(error.message, "danger")
    return redirect(url_for(".show", training_id=training.id))


@bp.get("/<int:training_id>")
@login_required
def show(training_id: int):
    """The event for its managing admin: sign-ups, check-in ticks, counts."""
    training = _managed(training_id)
    signups = services.signups_of(training.id)
    by_type = services.audience_counts(training.id)
    checked = sum(1 for s in signups if s.checked_in_at)
    return render_template(
        "law_trainings/show.html",
        training=training,
        signups=signups,
        by_type=by_type,
        checked=checked,
        left=max(training.capacity - len(signups), 0),
        state=services.state(training, len(signups)),
        public_url=_public_url(url_for(".signup", training_id=training.id)),
    )


def _signup_of(training: LawTraining, signup_id: int) -> LawTrainingSignup:
    signup = db.session.get(LawTrainingSignup, signup_id)
    if signup is None or signup.training_id != training.id:
        abort(404)
    return signup


@bp.post("/<int:training_id>/signups/<int:signup_id>/checkin")
@login_required
def tick(training_id: int, signup_id: int):
    training = _managed(training_id)
    signup = _signup_of(training, signup_id)
    if request.form.get("undo") == "1":
        services.undo_check_in(signup)
        flash(f"已撤销 {signup.name} 的签到", "info")
    else:
        try:
            result = services.check_in(signup, current_user.id)
        except Conflict as refused:
            flash(refused.message, "warning")
        else:
            flash(
                f"{signup.name} 已签到" if result.already else f"{signup.name} 签到成功", "success"
            )
    return redirect(url_for(".show", training_id=training.id) + f"#s{signup.id}")


@bp.get("/<int:training_id>/signups.xlsx")
@login_required
def export(training_id: int):
    """The sign-up list with full phones: the managing admin's own event (recorded)."""
    training = _managed(training_id)
    signups = services.signups_of(training.id)
    unmasked = may(current_user, Action.MANAGE, training)
    data = spreadsheet.signups_workbook(training, signups, unmasked=unmasked)
    db.session.add(
        PiiExport(
            user_id=current_user.id,
            what=f"普法培训报名名单（完整手机号）：{training.topic}"[:128],
            row_count=len(signups),
            remote_addr=request.remote_addr or "",
        )
    )
    name = f"报名名单_{training.held_on.isoformat()}_{training.id}.xlsx"
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


# --- check-in ------------------------------------------------------------------------


@bp.route("/<int:training_id>/scan", methods=["GET", "POST"])
@login_required
def scan(training_id: int):
    """The door: the admin's phone camera scans QR codes (or the code is typed)."""
    training = _managed(training_id)
    form = CheckinCodeForm()
    result = None
    if request.method == "POST":
        if form.validate_on_submit():
            result = _scan_result(training, form.code.data)
        else:
            result = {"ok": False, "message": "请扫码或输入签到码"}
        if request.headers.get("X-Requested-With") == "fetch":
            return jsonify(result)
        form.code.data = ""
    checked = db.session.scalar(
        select(func.count(LawTrainingSignup.checked_in_at)).where(
            LawTrainingSignup.training_id == training.id
        )
    )
    return render_template(
        "law_trainings/scan.html", training=training, form=form, result=result, checked=checked
    )


def _scan_result(training: LawTraining, code: str) -> dict:
    token = services.token_from_code(code)
    signup = db.session.scalar(select(LawTrainingSignup).where(LawTrainingSignup.token == token))
    if signup is None:
        return {"ok": False, "message": "签到码无效"}
    if signup.training_id != training.id:
        return {"ok": False, "message": "该签到码不属于本场培训"}
    try:
        result = services.check_in(signup, current_user.id)
    except Conflict as refused:
        return {"ok": False, "message": refused.message}
    who = f"{signup.name}（{AUDIENCE_TYPES.get(signup.audience_type, '')}）"
    return {
        "ok": True,
        "already": result.already,
        "name": signup.name,
        "message": f"{who} 已签到，无需重复签到" if result.already else f"{who} 签到成功",
    }


@bp.route("/checkin/<token>", methods=["GET", "POST"])
@login_required
def checkin(token: str):
    """The URL in a person's QR code: their event's managing admin checks them in."""
    require_role(current_user, *ADMINS)
    signup = db.session.scalar(
        select(LawTrainingSignup).where(LawTrainingSignup.token == token.lower())
    )
    if signup is None:
        abort(404)
    training = _managed(signup.training_id)
    already = refusal = None
    if request.method == "POST":  # CSRF checked by CSRFProtect for every POST
        try:
            already = services.check_in(signup, current_user.id).already
        except Conflict as refused:
            refusal = refused.message
    else:
        refusal = rules.checkin_refusal(
            status=training.status, held_on=training.held_on, today=local_today()
        )
    return render_template(
        "law_trainings/checkin.html",
        training=training,
        signup=signup,
        already=already,
        refusal=refusal,
    )


# --- public: no account --------------------------------------------------------------


def _public_url(path: str) -> str:
    return public_url(path)


def _public_training(training_id: int) -> LawTraining:
    training = db.session.get(LawTraining, training_id)
    if training is None:
        abort(404)
    return training


@bp.get("/public")
def public():
    """Upcoming trainings anyone may sign up for."""
    today = local_today()
    trainings = db.session.scalars(
        select(LawTraining)
        .where(LawTraining.held_on >= today, LawTraining.status != CANCELLED)
        .order_by(LawTraining.held_on, LawTraining.starts_at)
    ).all()
    counts = _counts([t.id for t in trainings])
    states = {t.id: services.state(t, counts.get(t.id, (0, 0))[0], today) for t in trainings}
    return render_template(
        "law_trainings/public.html", trainings=trainings, counts=counts, states=states
    )


def _signup_deducted(response) -> bool:
    return response.status_code in (302, 303)


@bp.route("/<int:training_id>/signup", methods=["GET", "POST"])
@public_form
@limiter.limit(SIGNUP_LIMITS, methods=["POST"], deduct_when=_signup_deducted)
@limiter.limit(SIGNUP_POST_LIMIT, methods=["POST"])
def signup(training_id: int):
    """The public sign-up form (no account; CSRF on)."""
    training = _public_training(training_id)
    form = SignupForm()
    form.audience_type.choices = [SelectChoice("", "请选择")] + [
        SelectChoice(t, AUDIENCE_TYPES[t]) for t in training.audience_types if t in AUDIENCE_TYPES
    ]
    refused = services.refusal(training)
    if form.validate_on_submit() and not refused:
        try:
            # A phone signed up already is answered as a new sign-up (nothing written).
            services.sign_up(
                training.id,
                name=form.name.data,
                phone=form.phone.data,
                id_tail=form.id_tail.data,
                audience_type=form.audience_type.data,
                organisation=form.organisation.data or "",
            )
        except (Invalid, Conflict) as error:
            if error_field(error) is None:
                refused = error.message  # the event's refusal: the page answers 409
            else:
                show_on_form(form, error)
        else:
            # What the person typed, to fill in the look-up of the next page (their own data).
            session[_SENT] = {
                "training_id": training.id,
                "phone": form.phone.data.strip(),
                "name": form.name.data.strip(),
                "id_tail": form.id_tail.data.strip(),
            }
            return redirect(url_for(".sent", training_id=training.id))
    signed_up = services.signed_up_count(training.id)
    return render_template(
        "law_trainings/signup.html",
        training=training,
        form=form,
        refused=refused,
        left=max(training.capacity - signed_up, 0),
        lookup=LookupForm(formdata=None),
    ), (200 if request.method == "GET" or not refused else 409)


@bp.get("/<int:training_id>/signup/sent")
def sent(training_id: int):
    """After a sign-up: the same page whether the phone was new or signed up already.

    The QR code is shown by the look-up (phone, name, ID digits), never straight after the form,
    so the answer to the form does not say whether a phone had signed up before.
    """
    training = _public_training(training_id)
    typed = session.get(_SENT) or {}
    if typed.get("training_id") != training.id:
        typed = {}
    lookup = LookupForm(
        formdata=None,
        phone=typed.get("phone"),
        name=typed.get("name"),
        id_tail=typed.get("id_tail"),
    )
    return render_template("law_trainings/sent.html", training=training, lookup=lookup)


def _qr_svg(url: str) -> Markup:
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=6, border=2, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own SVG markup, the URL is ours


@bp.get("/ticket/<token>")
def ticket(token: str):
    """A person's QR code with the event details (the token is the secret)."""
    signup = db.session.scalar(
        select(LawTrainingSignup).where(LawTrainingSignup.token == token.lower())
    )
    if signup is None:
        abort(404)
    url = _public_url(url_for(".checkin", token=signup.token))
    return render_template(
        "law_trainings/ticket.html",
        signup=signup,
        training=signup.training,
        qr=_qr_svg(url),
        code=signup.token,
    )


def _looked_up_phone() -> str:
    """The phone a look-up asks about, as stored: its misses are counted per phone."""
    return "lookup-phone:" + normalise_phone((request.form.get("phone") or "")[:32])


def _lookup_missed(response) -> bool:
    return bool(g.get("law_lookup_missed"))


@bp.route("/<int:training_id>/mine", methods=["POST"])
@limiter.limit(SIGNUP_POST_LIMIT)
@limiter.limit(LOOKUP_MISSES_PER_ADDRESS, deduct_when=_lookup_missed)
@limiter.limit(LOOKUP_MISSES_PER_PHONE, key_func=_looked_up_phone, deduct_when=_lookup_missed)
def mine(training_id: int):
    """查看我的报名: phone, name and the last 4 of the identity number must all match.

    A phone and a name are known to many people; the digits of the ID card are the person's
    own. Every miss gets the same answer, is logged and counted, per address and per phone.
    """
    training = _public_training(training_id)
    form = LookupForm()
    if form.validate_on_submit():
        person = services.find_signup(
            training.id, form.phone.data, form.name.data, form.id_tail.data
        )
        if person is not None:
            return redirect(url_for(".ticket", token=person.token))
        g.law_lookup_missed = True
        current_app.logger.warning(
            "law-training look-up found nothing: training=%s phone=%s addr=%s",
            training.id,
            mask_phone(normalise_phone(form.phone.data)),
            (request.remote_addr or "")[:64],
        )
        flash(LOOKUP_MISSED, "warning")
    else:
        flash("请填写手机号、姓名和身份证号后 4 位", "warning")
    return redirect(url_for(".signup", training_id=training.id) + "#mine")


# --- coverage ------------------------------------------------------------------------


@bp.get("/coverage")
@login_required
def coverage():
    """The year's trainings and attendees in each of the 14 regions (the province's goal)."""
    require_role(current_user, *ADMINS)
    year = _year_arg()
    rows = services.coverage(year)
    today = local_today()
    return render_template(
        "law_trainings/coverage.html",
        rows=rows,
        year=year,
        years=range(today.year + 1, today.year - 5, -1),
        missing=[r for r in rows if r.trainings == 0],
        not_held=[r for r in rows if r.trainings and not r.held],
        audience_types=list(AUDIENCE_TYPES.items()),
        by_total={t: sum(r.by_audience.get(t, 0) for r in rows) for t in AUDIENCE_TYPES},
        total={
            "trainings": sum(r.trainings for r in rows),
            "held": sum(r.held for r in rows),
            "signups": sum(r.signups for r in rows),
            "attendees": sum(r.attendees for r in rows),
        },
    )


@bp.get("/coverage.xlsx")
@login_required
def coverage_export():
    require_role(current_user, *ADMINS)
    year = _year_arg()
    data = spreadsheet.coverage_workbook(year, services.coverage(year))
    return send_file(
        BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"普法培训覆盖_{year}.xlsx"
    )
