"""API: regions, enterprises, employees and roster files."""

from io import BytesIO

from flask import current_app, request, send_file
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api import API_PREFIX, FileUploadSchema, PageArgs, paginate
from app.auth.models import Role
from app.errors import Invalid
from app.extensions import db
from app.input import Id
from app.orgs import queries, services, spreadsheet
from app.orgs.clashes import clash_limit, clashes_recorded
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.posts import Post
from app.security import Action, get_or_404, may, require_role, visible
from app.timeutil import local_today

blp = Blueprint("orgs_api", __name__, url_prefix=API_PREFIX, description="地区、企业与从业人员")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RegionSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


def _at_most(limit: int) -> validate.Length:
    """A string no longer than its column, said in Chinese."""
    return validate.Length(max=limit, error=f"不能超过 {limit} 个字符")


class EnterpriseSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(
        required=True, validate=validate.Length(2, 128, error="企业名称应为 2–128 个字符")
    )
    credit_code = fields.String(required=True, validate=_at_most(40))
    region_id = Id(required=True)
    address = fields.String(load_default="", validate=_at_most(255))
    contact_name = fields.String(load_default="", validate=_at_most(64))
    contact_phone = fields.String(load_default="", validate=_at_most(32))
    active = fields.Boolean(dump_only=True)


class EnterprisePatchSchema(EnterpriseSchema):
    """The fields of an enterprise that a PATCH may change (all optional)."""


class EnterpriseQuery(PageArgs):
    region_id = Id(load_default=None)
    q = fields.String(load_default="", validate=_at_most(128))
    status = fields.String(
        load_default="all", validate=validate.OneOf(["all", "active", "inactive"])
    )


class EmployeeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    id_number_masked = fields.String()
    phone = fields.String(allow_none=True)
    post = fields.String()
    enterprise_id = fields.Integer()
    hired_on = fields.Date()
    left_on = fields.Date(allow_none=True)
    on_duty = fields.Boolean()


class EmployeeQuery(PageArgs):
    enterprise_id = Id(load_default=None)
    post = fields.String(load_default=None, validate=validate.OneOf([p.value for p in Post]))
    on_duty = fields.Boolean(load_default=None)


class EmployeeCreateSchema(Schema):
    name = fields.String(required=True, validate=_at_most(64))
    id_number = fields.String(required=True, validate=_at_most(40))
    phone = fields.String(load_default=None, allow_none=True, validate=_at_most(20))
    post = fields.String(required=True, validate=validate.OneOf([p.value for p in Post]))
    hired_on = fields.Date(required=True)


class ImportResultSchema(Schema):
    imported = fields.Integer()
    ignored_columns = fields.List(fields.String())


def _employee_view(employee: Employee) -> dict:
    """An employee as `EmployeeSchema` dumps it (on duty today or not)."""
    return {
        "id": employee.id,
        "name": employee.name,
        "id_number_masked": employee.id_number_masked,
        "phone": employee.phone,
        "post": employee.post,
        "enterprise_id": employee.enterprise_id,
        "hired_on": employee.hired_on,
        "left_on": employee.left_on,
        "on_duty": employee.on_duty_at(local_today()),
    }


@blp.get("/regions")
@blp.response(200, RegionSchema(many=True))
@login_required
def regions():
    """The 14 regions."""
    return db.session.scalars(select(Region).order_by(Region.sort_order)).all()


@blp.get("/enterprises")
@blp.arguments(EnterpriseQuery, location="query")
@login_required
def enterprises(args):
    """Enterprises in the caller's scope: `{"items", "total", "page"}`."""
    stmt = queries.enterprise_list(
        current_user, region_id=args["region_id"], q=args["q"].strip(), status=args["status"]
    )
    return paginate(stmt, args["page"], args["per_page"], EnterpriseSchema().dump)


@blp.post("/enterprises")
@blp.arguments(EnterpriseSchema)
@blp.response(201, EnterpriseSchema)
@login_required
def create_enterprise(data):
    """Register an enterprise (provincial admin; city admin in their region)."""
    require_role(current_user, Role.PROVINCE_ADMIN, Role.CITY_ADMIN)
    region = get_or_404(current_user, Region, data["region_id"])
    if current_user.role == Role.CITY_ADMIN and region.id != current_user.region_id:
        raise Invalid(
            "只能在本地区登记企业", details=[{"field": "region_id", "message": "超出管辖范围"}]
        )
    return services.save_enterprise(Enterprise(), **data)


@blp.get("/enterprises/<int:enterprise_id>")
@blp.response(200, EnterpriseSchema)
@login_required
def enterprise(enterprise_id):
    """One enterprise."""
    return get_or_404(current_user, Enterprise, enterprise_id)


@blp.patch("/enterprises/<int:enterprise_id>")
@blp.arguments(EnterprisePatchSchema(partial=True))
@blp.response(200, EnterpriseSchema)
@login_required
def update_enterprise(data, enterprise_id):
    """Change an enterprise's details."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE)
    if "region_id" in data:
        region = get_or_404(current_user, Region, data["region_id"])
        if current_user.role == Role.CITY_ADMIN and region.id != current_user.region_id:
            raise Invalid("只能在本地区登记企业")
    data.setdefault("credit_code", enterprise.credit_code)
    return services.save_enterprise(enterprise, **data)


@blp.get("/employees")
@blp.arguments(EmployeeQuery, location="query")
@login_required
def employees(args):
    """Employees in the caller's scope: `{"items", "total", "page"}`."""
    stmt = select(Employee).where(visible(current_user, Employee)).order_by(Employee.id)
    if args["enterprise_id"]:
        stmt = stmt.where(Employee.enterprise_id == args["enterprise_id"])
    if args["post"]:
        stmt = stmt.where(Employee.post == args["post"])
    if args["on_duty"] is not None:
        condition = queries.on_duty(local_today())
        stmt = stmt.where(condition if args["on_duty"] else ~condition)
    schema = EmployeeSchema()
    return paginate(stmt, args["page"], args["per_page"], lambda e: schema.dump(_employee_view(e)))


@blp.get("/employees/<int:employee_id>")
@blp.response(200, EmployeeSchema)
@login_required
def employee(employee_id):
    """One employee, identity number masked."""
    return _employee_view(get_or_404(current_user, Employee, employee_id))


@blp.post("/enterprises/<int:enterprise_id>/employees")
@blp.arguments(EmployeeCreateSchema)
@blp.response(201, EmployeeSchema)
@login_required
@clash_limit
def create_employee(data, enterprise_id):
    """Put one person on an enterprise's roster."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE_ROSTER)
    sees_full = may(current_user, Action.EXPORT_ID_NUMBERS, enterprise)
    with clashes_recorded(enterprise, "接口"):
        employee = services.add_employee(enterprise, **data, sees_full_numbers=sees_full)
    return _employee_view(employee)


@blp.get("/enterprises/<int:enterprise_id>/employees/import-template")
@blp.response(200, content_type=XLSX, description="花名册导入模板 (.xlsx)")
@login_required
def import_template(enterprise_id):
    """The roster template: 姓名, 身份证号, 手机号, 岗位, 入职日期, 离职日期."""
    get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE_ROSTER)
    return send_file(
        BytesIO(spreadsheet.roster_template()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="花名册导入模板.xlsx",
    )


@blp.post("/enterprises/<int:enterprise_id>/employees/import")
@blp.arguments(FileUploadSchema, location="files")
@blp.response(201, ImportResultSchema)
@blp.alt_response(422, description="任何一行有误：details 逐格列出错误，且不导入任何数据")
@login_required
@clash_limit
def import_employees(files, enterprise_id):
    """Import a roster file, all or nothing."""
    enterprise = get_or_404(current_user, Enterprise, enterprise_id, Action.MANAGE_ROSTER)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("请上传文件（字段名 file）", details=[{"field": "file", "message": "必填项"}])
    with clashes_recorded(enterprise, "接口导入"):
        result = services.import_roster(
            enterprise,
            upload.read(),
            max_rows=current_app.config["ROSTER_MAX_ROWS"],
            sees_full_numbers=may(current_user, Action.EXPORT_ID_NUMBERS, enterprise),
        )
    return {"imported": result.imported, "ignored_columns": result.ignored_columns}


class ExternalCertificateCreateSchema(Schema):
    occupation = fields.String(
        required=True, validate=validate.Length(1, 64, error="职业应为 1–64 个字")
    )
    level = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, 5, error="等级应为 1–5（一级/高级技师 至 五级/初级工）"),
    )
    number = fields.String(load_default="", allow_none=True, validate=_at_most(64))
    issuer = fields.String(load_default="", allow_none=True, validate=_at_most(128))
    name = fields.String(load_default=None, allow_none=True, validate=_at_most(128))
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(load_default=None, allow_none=True)
    revoked_on = fields.Date(load_default=None, allow_none=True)


class CreatedSchema(Schema):
    id = fields.Integer()


class DepartureSchema(Schema):
    left_on = fields.Date(required=True)


@blp.post("/employees/<int:employee_id>/certificates")
@blp.arguments(ExternalCertificateCreateSchema)
@blp.response(201, CreatedSchema)
@login_required
def add_external_certificate(data, employee_id):
    """Record a certificate from another issuer (counts towards 持证上岗率)."""
    employee = get_or_404(current_user, Employee, employee_id, Action.MANAGE)
    data["number"] = (data["number"] or "").strip()
    data["issuer"] = (data["issuer"] or "").strip()
    certificate = services.add_external_certificate(employee, **data)
    return {"id": certificate.id}


@blp.post("/employees/<int:employee_id>/departure")
@blp.arguments(DepartureSchema)
@blp.response(200, EmployeeSchema)
@login_required
def departure(data, employee_id):
    """The employee left on `left_on` (their duty period closes; the record stays)."""
    employee = get_or_404(current_user, Employee, employee_id, Action.MANAGE)
    services.mark_left(employee, data["left_on"])
    return _employee_view(employee)
