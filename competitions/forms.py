"""Forms of the pages that set competitions up."""

from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.form_once import OnceForm
from app.orgs.rules.posts import Post
from app.web import BaseForm

STAGE_LABELS = {"final": "全省决赛", "preliminary": "地区预赛", "in_house": "企业技能比武"}
KIND_LABELS = {"measurement": "测量（满分或扣分）", "judgement": "评价（0–3 分制或打分）"}
AGGREGATION_LABELS = {
    "single": "一名裁判的分数",
    "mean": "各裁判的平均分",
    "trimmed_mean": "去掉最高分和最低分后的平均分（5 名及以上裁判）",
}
STATUS_LABELS = {
    "registration": "报名中",
    "drawn": "已抽签（评分中）",
    "signed_off": "裁判长已签字",
    "published": "成绩公示中",
    "final": "成绩已确定",
}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (posts, rubric items)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CompetitionForm(OnceForm):
    title = StringField("竞赛名称", validators=[DataRequired("请输入竞赛名称"), Length(2, 128)])
    stage = SelectField("赛事级别", validate_choice=True)
    region_id = SelectField("预赛地区", coerce=int, validate_choice=True)
    final_id = SelectField("晋级的决赛", coerce=int, validate_choice=True)
    quota = IntegerField(
        "每个项目晋级名额",
        validators=[Optional(), NumberRange(1, 1000, "晋级名额应为 1–1000")],
    )
    notice_days = IntegerField(
        "成绩公示期（天）",
        default=5,
        validators=[InputRequired("请输入公示期"), NumberRange(1, 30, "公示期应为 1–30 天")],
    )


class EventForm(OnceForm):
    name = StringField("项目名称", validators=[DataRequired("请输入项目名称"), Length(1, 64)])
    occupation = StringField("职业（工种）", validators=[Optional(), Length(max=64)])
    posts = CheckboxesField(
        "可报名的岗位（不选：不限岗位）",
        choices=[SelectChoice(p.value, p.label) for p in Post],
        validate_choice=True,
    )
    theory_exam_id = SelectField("理论考试", coerce=int, validate_choice=True)
    theory_weight = IntegerField(
        "理论成绩权重（%）",
        validators=[Optional(), NumberRange(0, 100, "应为 0–100")],
        description="不填：有理论考试时 30%，没有时 0；一般不超过 30%",
    )
    theory_weight_over_cap = BooleanField("竞赛规程明确规定理论权重超过 30%")
    disagreement_threshold = IntegerField(
        "评分分歧阈值（占该项满分的 %）",
        default=20,
        validators=[InputRequired("请输入分歧阈值"), NumberRange(0, 100, "应为 0–100")],
        description="同一评分项各裁判分数的极差超过此比例时，须由裁判长裁定",
    )
    team_size = IntegerField(
        "团体人数（不填：不设团体排名）",
        validators=[Optional(), NumberRange(2, 10, "团体人数应为 2–10")],
    )
    awards_by = SelectField(
        "奖项设置方式",
        choices=[
            SelectChoice("", "不设奖项"),
            SelectChoice("count", "按人数"),
            SelectChoice("share", "按比例（%）"),
        ],
        validate_choice=True,
    )
    first = IntegerField("一等奖", validators=[Optional(), NumberRange(0, 1000)])
    second = IntegerField("二等奖", validators=[Optional(), NumberRange(0, 1000)])
    third = IntegerField("三等奖", validators=[Optional(), NumberRange(0, 1000)])
    excellence = IntegerField("优秀奖", validators=[Optional(), NumberRange(0, 1000)])
    title_name = StringField(
        "荣誉称号（如 河北省技术能手）", validators=[Optional(), Length(max=64)]
    )
    title_top = IntegerField(
        "获得称号的名次（前 N 名）", validators=[Optional(), NumberRange(1, 1000)]
    )
    promote_top = IntegerField(
        "推荐晋升高一级证书的名次（前 N 名）",
        validators=[Optional(), NumberRange(1, 1000, "应为 1–1000")],
    )

    def values(self) -> dict:
        """The event as `competitions.services` reads it."""
        awards = {}
        if self.awards_by.data:
            awards = {"by": self.awards_by.data} | {
                key: getattr(self, key).data for key in ("first", "second", "third", "excellence")
            }
        titles = []
        if (self.title_name.data or "").strip() and self.title_top.data:
            titles = [{"title": self.title_name.data.strip(), "top": self.title_top.data}]
        return {
            "name": self.name.data,
            "occupation": self.occupation.data or "",
            "posts": list(self.posts.data or []),
            "theory_exam_id": self.theory_exam_id.data or None,
            "theory_weight": self.theory_weight.data,
            "theory_weight_over_cap": self.theory_weight_over_cap.data,
            "disagreement_threshold": self.disagreement_threshold.data,
            "team_size": self.team_size.data,
            "awards": awards,
            "titles": titles,
            "promote_top": self.promote_top.data,
        }

    def fill(self, event) -> None:
        """Show an event's settings in the form."""
        for key in ("name", "occupation", "theory_weight", "disagreement_threshold"):
            getattr(self, key).data = getattr(event, key)
        self.posts.data = list(event.posts or [])
        self.theory_exam_id.data = event.theory_exam_id or 0
        self.theory_weight_over_cap.data = event.theory_weight > 30
        self.team_size.data = event.team_size
        self.promote_top.data = event.promote_top
        awards = event.awards or {}
        self.awards_by.data = awards.get("by", "")
        for key in ("first", "second", "third", "excellence"):
            getattr(self, key).data = awards.get(key)
        if event.titles:
            self.title_name.data = event.titles[0]["title"]
            self.title_top.data = event.titles[0]["top"]


class ItemForm(OnceForm):
    code = StringField("编号", validators=[DataRequired("请输入编号"), Length(1, 16)])
    title = StringField("评分项", validators=[DataRequired("请输入评分项名称"), Length(1, 128)])
    kind = SelectField(
        "评分方式",
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        validate_choice=True,
    )
    max_points = DecimalField(
        "满分",
        places=None,
        validators=[
            InputRequired("请输入满分"),
            NumberRange(0.01, 1000, "满分应在 0.01–1000 之间"),
        ],
    )
    aggregation = SelectField(
        "合成方式",
        choices=[SelectChoice(k, v) for k, v in AGGREGATION_LABELS.items()],
        validate_choice=True,
    )
    station = StringField("赛位/工位", validators=[Optional(), Length(max=32)])

    def values(self) -> dict:
        """The item as `competitions.services` reads it."""
        return {
            "code": self.code.data,
            "title": self.title.data,
            "kind": self.kind.data,
            "max_points": self.max_points.data,
            "aggregation": self.aggregation.data,
            "station": self.station.data or "",
        }


class JudgeForm(BaseForm):
    username = SelectField("裁判", validate_choice=True)
    items = CheckboxesField("评分项（不选：全部评分项）", coerce=int, validate_choice=True)


class ChiefJudgeForm(BaseForm):
    username = SelectField("裁判长", validate_choice=True)


class SendOnForm(BaseForm):
    contestant_ids = CheckboxesField("推荐的选手", coerce=int, validate_choice=True)
