"""Forms of the question bank."""

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.form_once import OnceForm
from app.orgs.rules.posts import Post
from app.web import BaseForm
from question_bank.rules.types import (
    LEVELS,
    MAX_EXPLANATION,
    MAX_KNOWLEDGE_POINT,
    MAX_OPTION,
    MAX_STEM,
    OPTION_KEYS,
    Difficulty,
    QuestionType,
)


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuestionForm(OnceForm):
    type = SelectField("题型", choices=[SelectChoice(t.value, t.label) for t in QuestionType])
    stem = TextAreaField(
        "题干",
        validators=[DataRequired("请填写题干"), Length(max=MAX_STEM)],
        description="填空题用 ____ 标出每个空",
    )
    image = FileField(
        "题干图片",
        validators=[
            FileAllowed(
                ["png", "jpg", "jpeg", "gif", "webp"], "只支持 PNG、JPEG、GIF、WebP 格式的图片"
            )
        ],
        description="选填，不超过 2 MB",
    )
    remove_image = BooleanField("删除现有图片")
    option_a = StringField("选项A", validators=[Optional(), Length(max=MAX_OPTION)])
    option_b = StringField("选项B", validators=[Optional(), Length(max=MAX_OPTION)])
    option_c = StringField("选项C", validators=[Optional(), Length(max=MAX_OPTION)])
    option_d = StringField("选项D", validators=[Optional(), Length(max=MAX_OPTION)])
    option_e = StringField("选项E", validators=[Optional(), Length(max=MAX_OPTION)])
    option_f = StringField("选项F", validators=[Optional(), Length(max=MAX_OPTION)])
    option_g = StringField("选项G", validators=[Optional(), Length(max=MAX_OPTION)])
    option_h = StringField("选项H", validators=[Optional(), Length(max=MAX_OPTION)])
    correct = CheckboxesField(
        "正确选项", choices=[SelectChoice(k, k) for k in OPTION_KEYS], validate_choice=True
    )
    true_false = RadioField(
        "正确答案",
        choices=[SelectChoice("true", "对"), SelectChoice("false", "错")],
        validators=[Optional()],
    )
    blanks = TextAreaField(
        "每个空的可接受答案",
        validators=[Optional(), Length(max=2000)],
        description="每行一个空；同一空的多个可接受答案用 / 分隔",
    )
    fill_trim = BooleanField("忽略首尾及多余空格", default=True)
    fill_ignore_width = BooleanField("忽略全角/半角差别", default=True)
    fill_ignore_case = BooleanField("忽略大小写")
    explanation = TextAreaField("解析", validators=[Optional(), Length(max=MAX_EXPLANATION)])
    knowledge_point = StringField(
        "知识点",
        validators=[Optional(), Length(max=MAX_KNOWLEDGE_POINT)],
        description="用 / 分隔层级，如 法律法规/民法典/物业服务合同；新的知识点自动创建",
    )
    difficulty = SelectField(
        "难度", choices=[SelectChoice(d.value, d.label) for d in Difficulty], default="medium"
    )
    posts = CheckboxesField(
        "适用岗位（不选为通用）", choices=[SelectChoice(p.value, p.label) for p in Post]
    )
    levels = CheckboxesField(
        "适用等级（不选为通用）",
        choices=[SelectChoice(str(k), v) for k, v in sorted(LEVELS.items(), reverse=True)],
    )

    def option_fields(self):
        """The option inputs, A to H."""
        return [getattr(self, f"option_{k.lower()}") for k in OPTION_KEYS]


class QuestionImportForm(BaseForm):
    file = FileField(
        "试题文件",
        validators=[
            FileRequired("请选择要上传的文件"),
            FileAllowed(
                ["xlsx", "xml", "gift", "txt"],
                "只支持 .xlsx、.xml（Moodle XML）、.gift/.txt（GIFT）文件",
            ),
        ],
    )


class ConfirmImportForm(OnceForm):
    token = StringField(validators=[DataRequired(), Length(max=64)])  # token_urlsafe(12)
