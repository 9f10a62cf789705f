"""Forms of the training-plan pages."""

from wtforms import DateField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.form_once import OnceForm
from app.orgs.rules.posts import Post
from question_bank.forms import CheckboxesField


class PlanForm(OnceForm):
    """A plan: what, by when, for which posts and/or named people, which courses."""

    title = StringField(
        "计划名称",
        validators=[
            DataRequired("请填写计划名称"),
            Length(max=128, message="计划名称最多 128 个字"),
        ],
    )
    due_on = DateField("截止日期", validators=[InputRequired("请选择截止日期")])
    posts = CheckboxesField(
        "目标岗位", choices=[SelectChoice(p.value, p.label) for p in Post], validate_choice=False
    )
    people = TextAreaField(
        "指定人员",
        validators=[Length(max=20000, message="指定人员过多，请改按岗位指定")],
        description="填写本企业在岗人员的姓名，每行一个或用逗号、顿号分隔；可与目标岗位同时使用",
    )
    courses = CheckboxesField("课程", coerce=int, choices=[], validate_choice=False)
    note = TextAreaField("说明", validators=[Length(max=2000, message="说明最多 2000 个字")])


class EvaluationForm(OnceForm):
    """A written evaluation of the plan for one period."""

    period = StringField(
        "评价期间",
        validators=[DataRequired("请填写评价期间"), Length(max=32, message="评价期间最多 32 个字")],
        description="例如：2025年第二季度",
    )
    body = TextAreaField(
        "评价内容",
        validators=[
            DataRequired("请填写评价内容"),
            Length(max=2000, message="评价内容最多 2000 个字"),
        ],
    )
