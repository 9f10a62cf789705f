"""Forms of the certification batch pages (set-up, rubric, assessors, registration)."""

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.form_once import OnceForm
from app.timeutil import LOCAL_TZ
from app.web import BaseForm
from certificates.batches import CANCEL_REASON_MAX, PART_LABELS
from certificates.rules.levels import LEVELS

STATUS_LABELS = {
    "registration": "报名中",
    "assessing": "考核中",
    "published": "成绩公示中",
    "issued": "证书已发放",
    "cancelled": "已取消",
}
CANDIDATE_STATUS_LABELS = {"registered": "已报名", "withdrawn": "已退报", "absent": "缺考"}
KIND_LABELS = {"measurement": "测量（按标准扣分）", "judgement": "评价（考评员打分）"}
AGGREGATION_LABELS = {
    "single": "一名考评员的分数",
    "mean": "各考评员的平均分",
    "trimmed_mean": "去掉最高分和最低分后的平均分（5 名及以上考评员）",
}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _pass_field(label: str) -> DecimalField:
    return DecimalField(
        label,
        default=60,
        places=None,
        validators=[InputRequired("请输入合格分"), NumberRange(0, 100, "合格分应为 0–100")],
    )


class BatchForm(OnceForm):
    title = StringField("批次名称", validators=[DataRequired("请输入批次名称"), Length(2, 128)])
    occupation = StringField(
        "职业", validators=[DataRequired("请输入职业"), Length(1, 64)], description="如 物业管理员"
    )
    occupation_code = StringField(
        "职业编码", validators=[Optional(), Length(max=16)], description="如 4-07-05-01"
    )
    direction = StringField(
        "工种/方向", validators=[Optional(), Length(max=64)], description="没有时留空（证书印“--”）"
    )
    level = SelectField(
        "等级",
        coerce=int,
        default=4,
        choices=[SelectChoice(k, v) for k, v in sorted(LEVELS.items(), reverse=True)],
        validate_choice=True,
    )
    registration_opens_on = DateField(
        "报名开始日期", validators=[InputRequired("请选择报名开始日期")]
    )
    registration_closes_on = DateField(
        "报名截止日期", validators=[InputRequired("请选择报名截止日期")]
    )
    years_at_lower_level = IntegerField(
        "报考条件：取得下一级证书满（年）",
        validators=[Optional(), NumberRange(1, 30, "应为 1–30 年")],
        description="不要求时留空",
    )
    years_in_post = IntegerField(
        "或：累计从事本职业工作满（年）",
        validators=[Optional(), NumberRange(1, 50, "应为 1–50 年")],
        description="两项都填时满足其一即可；都不填时在职人员均可报名",
    )
    fee_note = StringField("收费说明", validators=[Optional(), Length(max=255)])
    theory_exam_id = SelectField("理论考试", coerce=int, validate_choice=True)
    assessment_starts_at = DateTimeLocalField(
        "实操考核时间",
        validators=[Optional()],
        format=DATETIME_FORMATS,
        tz=LOCAL_TZ,
        invalid_value_message="请选择有效的日期和时间",
    )
    assessment_place = StringField("考核地点", validators=[Optional(), Length(max=255)])
    theory_pass = _pass_field("理论考试合格分")
    practical_pass = _pass_field("实操考核合格分")
    review_pass = _pass_field("综合评审合格分（二级、一级）")
    notice_days = IntegerField(
        "成绩公示期（天）",
        default=7,
        validators=[InputRequired("请输入公示期"), NumberRange(1, 30, "公示期应为 1–30 天")],
    )

    def values(self) -> dict:
        """The batch as `certificates.batches` reads it."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        } | {
            "theory_exam_id": self.theory_exam_id.data or None,
            "assessment_starts_at": (
                self.assessment_starts_at.data.replace(tzinfo=LOCAL_TZ)
                if self.assessment_starts_at.data and not self.assessment_starts_at.data.tzinfo
                else self.assessment_starts_at.data
            ),
        }

    def fill(self, batch) -> None:
        """Show a batch's settings."""
        from decimal import Decimal

        from app.timeutil import to_local

        for name in self._fields:
            if name in ("csrf_token",) or not hasattr(batch, name):
                continue
            getattr(self, name).data = getattr(batch, name)
        for name in ("theory_pass", "practical_pass", "review_pass"):
            getattr(self, name).data = Decimal(getattr(batch, name)) / 100
        self.theory_exam_id.data = batch.theory_exam_id or 0
        local = to_local(batch.assessment_starts_at)
        self.assessment_starts_at.data = local.replace(tzinfo=None) if local else None


class ItemForm(OnceForm):
    part = SelectField(
        "考核部分",
        choices=[SelectChoice(k, v) for k, v in PART_LABELS.items()],
        validate_choice=True,
    )
    code = StringField("编号", validators=[DataRequired("请输入编号"), Length(1, 16)])
    title = StringField("评分项", validators=[DataRequired("请输入评分项名称"), Length(1, 128)])
    max_points = DecimalField(
        "满分",
        places=None,
        validators=[InputRequired("请输入满分"), NumberRange(0.01, 100, "满分应在 0.01–100 之间")],
    )
    kind = SelectField(
        "评分方式",
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        validate_choice=True,
    )
    aggregation = SelectField(
        "合成方式",
        default="mean",
        choices=[SelectChoice(k, v) for k, v in AGGREGATION_LABELS.items()],
        validate_choice=True,
    )

    def values(self) -> dict:
        """The item as `certificates.batches` reads it."""
        return {
            "part": self.part.data,
            "code": self.code.data,
            "title": self.title.data,
            "max_points": self.max_points.data,
            "kind": self.kind.data,
            "aggregation": self.aggregation.data,
        }


class AssessorForm(OnceForm):
    username = SelectField("考评员", validate_choice=True)
    part = SelectField(
        "考核部分",
        choices=[SelectChoice(k, v) for k, v in PART_LABELS.items()],
        validate_choice=True,
    )
    chief = BooleanField("担任本部分考评组长（主考）")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RegisterForm(OnceForm):
    # The choices are the roster search's results; the service checks scope and eligibility.
    employee_ids = CheckboxesField("选择报名人员", coerce=int, validate_choice=False)
    q = StringField("搜索", validators=[Optional(), Length(max=32)])


class PhotoForm(BaseForm):
    photo = FileField("照片（JPEG 或 PNG，不超过 2 MB）")


class CancelForm(OnceForm):
    """取消批次: the provincial admin's reason (shown to everyone who sees the batch)."""

    reason = TextAreaField(
        "取消原因",
        validators=[
            DataRequired("请填写取消原因"),
            Length(2, CANCEL_REASON_MAX, f"取消原因应为 2–{CANCEL_REASON_MAX} 个字"),
        ],
        description="考生和企业都能看到取消原因。",
    )
