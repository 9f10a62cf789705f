"""Forms of law trainings: the event (admins) and the public sign-up (no account)."""

from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.form_once import OnceForm
from app.law_trainings.models import AUDIENCE_TYPES
from app.web import BaseForm

AUDIENCE_CHOICES = [SelectChoice(k, v) for k, v in AUDIENCE_TYPES.items()]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TrainingForm(OnceForm):
    region_id = SelectField("地区", coerce=int)
    topic = StringField("培训主题", validators=[DataRequired("请输入培训主题"), Length(2, 128)])
    held_on = DateField("培训日期", validators=[DataRequired("请选择培训日期")])
    # Normalised to the column's "HH:MM" by the rules; the cap leaves room for spaces.
    starts_at = StringField(
        "开始时间",
        validators=[DataRequired("请输入开始时间"), Length(max=16)],
        description="例如 09:00",
    )
    place = StringField("地点", validators=[DataRequired("请输入培训地点"), Length(2, 200)])
    speakers = StringField("主讲人", validators=[Optional(), Length(max=200)])
    capacity = IntegerField(
        "名额",
        validators=[
            DataRequired("请输入名额"),
            NumberRange(1, 5000, "名额应在 1–5000 之间"),
        ],
    )
    audience_types = CheckboxesField(
        "面向人员",
        choices=AUDIENCE_CHOICES,
        validators=[DataRequired("请至少选择一类面向人员")],
    )
    description = TextAreaField("培训介绍", validators=[Optional(), Length(max=5000)])


# A phone number is stored as its 11 digits; typed, it may hold spaces or dashes.
PHONE_CAP = Length(max=20, message="手机号应为 11 位数字")
NAME_CAP = Length(max=64, message="姓名不能超过 64 个字符")
ID_TAIL_HINT = "仅用于您本人找回签到二维码"


def id_tail_field() -> StringField:
    """The last 4 characters of the identity number: what only the person has at hand."""
    return StringField(
        "身份证号后4位",
        validators=[
            DataRequired("请填写身份证号的后 4 位"),
            Length(max=8, message="请填写身份证号的后 4 位（数字，最后一位可能是 X）"),
        ],
        description=ID_TAIL_HINT,
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class SignupForm(BaseForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), NAME_CAP])
    phone = StringField("手机号", validators=[DataRequired("请填写手机号"), PHONE_CAP])
    id_tail = id_tail_field()
    audience_type = SelectField(
        "人员类型", validators=[DataRequired("请选择人员类型")], validate_choice=False
    )
    organisation = StringField(
        "所在单位",
        validators=[Length(max=128, message="单位名称不能超过 128 个字")],
        description="从业人员、法官、律师、社区工作者必填；业主可不填",
    )


class LookupForm(BaseForm):
    phone = StringField("手机号", validators=[DataRequired("请填写手机号"), PHONE_CAP])
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), NAME_CAP])
    id_tail = id_tail_field()


class CheckinCodeForm(BaseForm):
    # The 32-character code, or the whole check-in URL a scanner types in.
    code = StringField("签到码", validators=[DataRequired("请扫码或输入签到码"), Length(max=300)])
