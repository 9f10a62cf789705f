"""Forms of the exam manager's pages, and the parsing of what they upload."""

import re
from datetime import UTC, datetime
from decimal import Decimal

from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import BooleanField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.form_once import OnceForm
from app.orgs.rules.posts import Post
from app.timeutil import LOCAL_TZ
from app.web import BaseForm, ChineseMeta
from exams.rules import timing
from question_bank.forms import CheckboxesField
from question_bank.rules.types import Difficulty, QuestionType

MAX_RULES = 10
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

SCORING_LABELS = {"best": "取最高分", "last": "取最后一次"}
PARTIAL_LABELS = {
    "none": "全部选对才得分",
    "fixed": "少选得固定比例的分，错选不得分",
    "proportional": "按选对的比例得分，错选不得分",
}
REVIEW_LABELS = {"score": "只看成绩", "answers": "成绩、正确答案和解析"}


def to_utc(moment: datetime | None) -> datetime | None:
    """A datetime from a datetime-local input (Asia/Shanghai) as the naive UTC stored."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


_EARLIEST = timing.EARLIEST.replace(tzinfo=UTC)
_LATEST = timing.LATEST.replace(tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def centipoints(value: Decimal) -> int:
    """Points as typed (2, 2.5) in integer centipoints."""
    return int((value * 100).to_integral_value())


def _local_datetime(label: str, *validators, **kwargs) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        validators=list(validators),
        format=DATETIME_FORMATS,
        tz=LOCAL_TZ,
        invalid_value_message="请选择有效的日期和时间",
        **kwargs,
    )


class RuleForm(Form):
    """One row of the paper rules: how many questions of which kind, worth how much."""

    class Meta(ChineseMeta):
        pass

    type = SelectField("题型", choices=[SelectChoice(t.value, t.label) for t in QuestionType])
    count = IntegerField("题数", validators=[Optional(), NumberRange(1, 500, "题数应为 1–500")])
    points = DecimalField(
        "每题分值",
        places=2,
        validators=[Optional(), NumberRange(Decimal("0.01"), Decimal("1000"), "分值应大于 0")],
    )
    knowledge_point = StringField("知识点", validators=[Optional(), Length(max=500)])
    difficulty = SelectField(
        "难度",
        choices=[SelectChoice("", "不限难度")]
        + [SelectChoice(d.value, d.label) for d in Difficulty],
    )

    def is_blank(self) -> bool:
        """A row left empty (ignored)."""
        return (
            self.count.data is None
            and self.points.data is None
            and not (self.knowledge_point.data or "").strip()
        )

    def tags(self) -> list[str]:
        """The knowledge point paths typed, several separated by commas or 、."""
        text = self.knowledge_point.data or ""
        return [p.strip() for p in re.split(r"[,，、;；]", text) if p.strip()]


class CandidatesForm(BaseForm):
    """Candidates: whole enterprises (optionally only some posts) and/or a list in .xlsx."""

    candidate_enterprises = SelectMultipleField("按企业添加考生", coerce=int, choices=[])
    candidate_posts = CheckboxesField(
        "只添加这些岗位（不选为全部岗位）",
        choices=[SelectChoice(p.value, p.label) for p in Post],
    )
    candidate_file = FileField(
        "按名单导入（.xlsx）",
        validators=[FileAllowed(["xlsx"], "只支持 Excel (.xlsx) 文件")],
        description="第一行为表头，含“身份证号”或“人员编号”列；只匹配您管理范围内在职的人员",
    )

    def has_candidates(self) -> bool:
        """Whether any way of naming candidates was used."""
        upload = self.candidate_file.data
        return bool(self.candidate_enterprises.data) or bool(
            upload and getattr(upload, "filename", "")
        )


class ExamForm(CandidatesForm, OnceForm):
    """Every setting of an exam, its paper (rules or a fixed paper) and its candidates."""

    title = StringField(
        "考试名称", validators=[DataRequired("请填写考试名称"), Length(2, 128, "名称应为 2–128 字")]
    )
    opens_at = _local_datetime("开始时间", DataRequired("请选择开始时间"))
    closes_at = _local_datetime("结束时间", DataRequired("请选择结束时间"))
    time_limit_minutes = IntegerField(
        "考试时长（分钟）",
        validators=[InputRequired("请填写考试时长"), NumberRange(1, 1440, "时长应为 1–1440 分钟")],
        default=60,
    )
    pass_score = DecimalField(
        "及格分",
        places=2,
        validators=[
            InputRequired("请填写及格分"),
            NumberRange(0, 500_000, "及格分应在 0 至 500000 之间"),
        ],
        default=Decimal(60),
    )
    max_attempts = IntegerField(
        "允许作答次数",
        validators=[InputRequired("请填写作答次数"), NumberRange(1, 20, "次数应为 1–20")],
        default=1,
    )
    scoring = RadioField(
        "多次作答时计分",
        choices=[SelectChoice(k, v) for k, v in SCORING_LABELS.items()],
        default="best",
    )
    shuffle_questions = BooleanField("打乱题目顺序", default=True)
    shuffle_options = BooleanField("打乱选项顺序", default=True)
    partial_credit = SelectField(
        "多选题少选",
        choices=[SelectChoice(k, v) for k, v in PARTIAL_LABELS.items()],
        default="none",
    )
    partial_percent = IntegerField(
        "少选得分比例（%）",
        validators=[Optional(), NumberRange(1, 99, "比例应为 1–99")],
        default=50,
    )
    review = SelectField(
        "交卷后考生可看", choices=[SelectChoice(k, v) for k, v in REVIEW_LABELS.items()]
    )
    review_while_attempts_left = BooleanField(
        "每次交卷后即可看答案",
        default=False,
        description="不勾选时，考生用完全部作答机会或考试结束后才能看答案和解析",
    )
    review_from = _local_datetime(
        "答案开放时间", Optional(), description="留空则交卷后立即可看答案和解析"
    )
    leave_limit = IntegerField(
        "离开页面次数上限",
        validators=[Optional(), NumberRange(0, 1000, "次数应为 0–1000")],
        description="超过此次数自动交卷；留空为不限制",
    )
    paper_mode = RadioField(
        "试卷",
        choices=[SelectChoice("rules", "按规则随机抽题"), SelectChoice("fixed", "固定试卷")],
        default="rules",
    )
    rules = FieldList(FormField(RuleForm), min_entries=1, max_entries=MAX_RULES)
    fixed_paper = TextAreaField(
        "固定试卷",
        validators=[Optional(), Length(max=20000)],
        description="每行一题：题号 分值，如“123 2”；题号见题库列表",
    )

    # Filled by validate(): what the service receives.
    paper_rules: list[dict]
    rule_rows: list[int]  # form row (0-based) of each entry of paper_rules
    fixed_questions: list[dict]

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the checks across fields: window, paper, pass mark."""
        valid = super().validate(extra_validators)
        if self.paper_mode.data == "fixed":  # the hidden rule rows do not count
            self.rules.errors = []
            for entry in self.rules:
                for sub in entry.form:
                    sub.errors = []
            valid = not any(f.errors for name, f in self._fields.items() if name != "rules")
        valid = self._check_dates() and valid
        if self.partial_credit.data == "fixed" and self.partial_percent.data is None:
            self.partial_percent.errors.append("请填写少选得分比例")
            valid = False
        paper_ok = self._check_rules() if self.paper_mode.data == "rules" else self._check_fixed()
        pass_ok = self._check_pass_score()
        return valid and paper_ok and pass_ok

    def _check_dates(self) -> bool:
        """The window's dates in range (checked before converting: the calendar's ends
        overflow), then its order and length as the service checks them."""
        fields = {
            "opens_at": self.opens_at,
            "closes_at": self.closes_at,
            "review_from": self.review_from,
        }
        ok = True
        for field in fields.values():
            moment = field.data
            if moment is not None and not _EARLIEST <= _aware(moment) <= _LATEST:
                field.errors.append(timing.DATE_RANGE_MESSAGE)
                ok = False
        opens, closes = self.opens_at.data, self.closes_at.data
        if ok and opens and closes:
            for name, message in timing.settings_problems(to_utc(opens), to_utc(closes)):
                fields[name].errors.append(message)
                ok = False
        return ok

    def _check_rules(self) -> bool:
        self.paper_rules, self.rule_rows, self.fixed_questions = [], [], []
        ok = True
        for row, entry in enumerate(self.rules):
            rule = entry.form
            if rule.is_blank():
                continue
            if rule.count.data is None or rule.points.data is None:
                (rule.count if rule.count.data is None else rule.points).errors.append("请填写")
                ok = False
                continue
            self.paper_rules.append(
                {
                    "type": rule.type.data,
                    "count": rule.count.data,
                    "points": centipoints(rule.points.data),
                    "tags": rule.tags(),
                    "difficulty": rule.difficulty.data or None,
                }
            )
            self.rule_rows.append(row)
        if ok and not self.paper_rules:
            self.paper_mode.errors.append("请至少填写一条组卷规则")
            ok = False
        return ok

    def _check_fixed(self) -> bool:
        self.paper_rules, self.rule_rows = [], []
        self.fixed_questions, problems = parse_fixed_paper(self.fixed_paper.data or "")
        if not problems and not self.fixed_questions:
            problems = ["请填写固定试卷的题号和分值"]
        self.fixed_paper.errors.extend(problems)
        return not problems

    def max_score(self) -> int | None:
        """The full marks of the paper as entered (centipoints), when it could be read."""
        if self.paper_mode.data == "fixed":
            items = getattr(self, "fixed_questions", [])
            return sum(i["points"] for i in items) if items else None
        rules = getattr(self, "paper_rules", [])
        return sum(r["count"] * r["points"] for r in rules) if rules else None

    def _check_pass_score(self) -> bool:
        full, pass_score = self.max_score(), self.pass_score.data
        if full is not None and pass_score is not None and centipoints(pass_score) > full:
            shown = full // 100 if full % 100 == 0 else full / 100
            self.pass_score.errors.append(f"及格分不能高于满分（{shown} 分）")
            return False
        return True


MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds
_FIXED_LINE = re.compile(r"^#?(\d+)[\s,，:：、]+(\d+(?:\.\d{1,2})?)\s*分?$")


def parse_fixed_paper(text: str) -> tuple[list[dict], list[str]]:
    """Lines of "题号 分值" as [{"question_id", "points" (centipoints)}], and the problems."""
    items, problems, seen = [], [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().replace("\u3000", " ")
        if not line:
            continue
        match = _FIXED_LINE.match(line)
        if not match:
            problems.append(f"第 {number} 行“{line[:30]}”应为“题号 分值”，如“123 2”")
            continue
        digits, points = match.group(1), centipoints(Decimal(match.group(2)))
        question_id = int(digits) if len(digits) <= 10 else 0  # int() refuses 4,300 digits
        if not 1 <= question_id <= MAX_ID:
            problems.append(f"第 {number} 行：题号 {digits[:12]} 不存在")
        elif not 0 < points <= 100_000:
            problems.append(f"第 {number} 行：分值应在 0.01 至 1000 之间")
        elif question_id in seen:
            problems.append(f"第 {number} 行：试题 {question_id} 重复")
        else:
            seen.add(question_id)
            items.append({"question_id": question_id, "points": points})
    return items, problems
