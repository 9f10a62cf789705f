"""Forms of the catalogue pages."""

from flask_wtf.file import FileField
from wtforms import (
    DecimalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.courses.models import CATEGORIES, LESSON_KINDS
from app.courses.rules.catalogue import is_web_link
from app.form_once import OnceForm
from app.orgs.rules.posts import Post
from question_bank.rules.types import LEVELS

# Markdown kept in Text columns: bounded so that one form cannot store megabytes.
DESCRIPTION_MAX = 20_000
BODY_MAX = 200_000


class CourseForm(OnceForm):
    """A course's catalogue entry."""

    title = StringField(
        "课程名称",
        validators=[
            DataRequired("请填写课程名称"),
            Length(max=128, message="课程名称最多 128 个字"),
        ],
    )
    category = SelectField("类别", choices=[SelectChoice(k, v) for k, v in CATEGORIES.items()])
    posts = SelectMultipleField(
        "适用岗位",
        choices=[SelectChoice(p.value, p.label) for p in Post],
        description="不选则所有岗位适用；按住 Ctrl（手机上直接点选）可多选",
    )
    levels = SelectMultipleField(
        "适用等级",
        coerce=int,
        choices=[SelectChoice(k, v) for k, v in sorted(LEVELS.items(), reverse=True)],
        description="不选则所有等级适用",
    )
    hours = DecimalField(
        "要求学时",
        places=1,
        validators=[
            InputRequired("请填写要求学时（小时，可保留一位小数）"),
            NumberRange(min=0.1, max=999, message="要求学时须在 0.1 到 999 小时之间"),
        ],
        description="单位：小时，可保留一位小数",
    )
    exam_id = SelectField("结业考试", coerce=int, description="可选：从省级题库的考试中选择")
    cover = FileField(
        "封面图片", description="PNG、JPEG、GIF 或 WebP，不超过 5 MB；不选则保留原封面"
    )
    description = TextAreaField(
        "课程简介",
        validators=[Length(max=DESCRIPTION_MAX, message=f"课程简介最多 {DESCRIPTION_MAX} 个字")],
        render_kw={"rows": 8},
        description="支持 Markdown：# 标题、**加粗**、- 列表、表格等",
    )

    def validate_hours(self, field):
        if field.errors or field.data is None:  # out of range (1e400 cannot be rounded)
            return
        if field.data != round(field.data, 1):
            raise ValidationError("学时最多保留一位小数")


class ChapterForm(OnceForm):
    """A chapter's title."""

    title = StringField(
        "章节名称",
        validators=[
            DataRequired("请填写章节名称"),
            Length(max=128, message="章节名称最多 128 个字"),
        ],
    )


class LessonForm(OnceForm):
    """A lesson of any kind; which fields matter depends on the kind."""

    title = StringField(
        "课时名称",
        validators=[
            DataRequired("请填写课时名称"),
            Length(max=128, message="课时名称最多 128 个字"),
        ],
    )
    kind = SelectField("类型", choices=[SelectChoice(k, v) for k, v in LESSON_KINDS.items()])
    body = TextAreaField(
        "正文 / 说明",
        validators=[Length(max=BODY_MAX, message=f"正文最多 {BODY_MAX} 个字")],
        render_kw={"rows": 10},
        description="图文课时的正文，支持 Markdown",
    )
    file = FileField(
        "上传文件", description="PDF 课时上传 PDF（≤ 50 MB），视频课时上传 MP4（≤ 500 MB）"
    )
    url = StringField("链接地址", validators=[Length(max=500, message="链接地址最多 500 个字符")])
    minutes = DecimalField(
        "时长（分钟）",
        places=1,
        validators=[
            Optional(),
            NumberRange(min=0, max=6000, message="时长须在 0 到 6000 分钟之间"),
        ],
        description="视频填写片长；图文、PDF 填写建议阅读时间。学习满此时长才算完成",
    )

    def validate_url(self, field):
        if self.kind.data == "link":
            if not field.data:
                raise ValidationError("请填写链接地址")
            if not is_web_link(field.data):
                raise ValidationError("链接须以 http:// 或 https:// 开头的完整网址")

    def validate_body(self, field):
        if self.kind.data == "text" and not (field.data or "").strip():
            raise ValidationError("请填写图文课时的正文")
