"""Forms of enterprises, employees and roster files."""

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.form_once import OnceForm
from app.orgs.rules.posts import Post
from app.web import BaseForm

# SelectChoice, not tuples: WTForms 3.3 deprecates tuple choices (an error under the tests).
POST_CHOICES = [SelectChoice(p.value, p.label) for p in Post]


class EnterpriseForm(OnceForm):
    name = StringField("企业名称", validators=[DataRequired("请输入企业名称"), Length(2, 128)])
    credit_code = StringField(
        "统一社会信用代码",
        validators=[DataRequired("请输入统一社会信用代码"), Length(max=40)],
        description="18 位，含校验位",
    )
    region_id = SelectField("所属地区", coerce=int)
    address = StringField("地址", validators=[Optional(), Length(max=255)])
    contact_name = StringField("联系人", validators=[Optional(), Length(max=64)])
    contact_phone = StringField("联系电话", validators=[Optional(), Length(max=32)])


class EmployeeForm(OnceForm):
    name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=40)])
    id_number = StringField("身份证号", validators=[DataRequired("请输入身份证号"), Length(max=40)])
    phone = StringField("手机号", validators=[Optional(), Length(max=20)])
    # No default: a post chosen for the person, never 项目经理 because it is listed first.
    post = SelectField(
        "岗位",
        choices=[SelectChoice("", "请选择岗位")] + POST_CHOICES,
        validators=[DataRequired("请选择岗位")],
    )
    hired_on = DateField("入职日期", validators=[DataRequired("请选择入职日期")])


class EmployeeEditForm(BaseForm):
    name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=40)])
    id_number = StringField(
        "身份证号",
        validators=[Optional(), Length(max=40)],
        description="留空表示不修改",
    )
    phone = StringField("手机号", validators=[Optional(), Length(max=20)])
    post = SelectField("岗位", choices=POST_CHOICES)


class LeaveForm(BaseForm):
    left_on = DateField("离职日期", validators=[DataRequired("请选择离职日期")])


class RehireForm(BaseForm):
    hired_on = DateField("重新入职日期", validators=[DataRequired("请选择入职日期")])


LEVEL_CHOICES = [SelectChoice("", "—（无等级）")] + [
    SelectChoice(str(n), label)
    for n, label in (
        (5, "五级/初级工"),
        (4, "四级/中级工"),
        (3, "三级/高级工"),
        (2, "二级/技师"),
        (1, "一级/高级技师"),
    )
]


class ExternalCertificateForm(OnceForm):
    name = StringField("证书名称", validators=[DataRequired("请输入证书名称"), Length(max=128)])
    occupation = StringField(
        "职业（工种）",
        validators=[Optional(), Length(max=64)],
        description=(
            "如 电工、保安员、物业管理员；留空则取证书名称。"
            "哪些职业计入哪个岗位的持证上岗率，见统计设置"
        ),
    )
    level = SelectField("等级", choices=LEVEL_CHOICES, validators=[Optional()])
    issuer = StringField("发证机关", validators=[DataRequired("请输入发证机关"), Length(max=128)])
    number = StringField("证书编号", validators=[Optional(), Length(max=64)])
    post = SelectField(
        "适用岗位",
        choices=[SelectChoice("", "—")] + POST_CHOICES,
        validate_choice=True,
        description="仅作备注；是否计入持证上岗率取决于职业（工种）",
    )
    issued_on = DateField("发证日期", validators=[DataRequired("请选择发证日期")])
    expires_on = DateField("有效期至", validators=[Optional()], description="留空表示长期有效")
    revoked_on = DateField("撤销日期", validators=[Optional()], description="发证机关撤销时填写")


class RosterImportForm(BaseForm):
    file = FileField(
        "花名册文件",
        validators=[
            FileRequired("请选择要上传的文件"),
            FileAllowed(["xlsx"], "只接受 Excel (.xlsx) 文件，请使用下载的模板"),
        ],
    )


class RosterExportForm(BaseForm):
    unmasked = BooleanField("包含完整身份证号（将记录本次导出）")
