"""API: questions, imports, the template, knowledge-point counts and exports."""

from io import BytesIO

from flask import request, send_file
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api import API_PREFIX, FileUploadSchema, paginate
from app.errors import NotFound, Refused
from app.extensions import db
from app.input import Page, PerPage
from app.security import Action, get_or_404, may
from question_bank import services
from question_bank.models import Question
from question_bank.policy import owned_bank, readable_banks
from question_bank.rules import moodle_xml
from question_bank.rules.types import (
    MAX_ACCEPTED,
    MAX_ANSWER,
    MAX_BLANKS,
    MAX_EXPLANATION,
    MAX_KNOWLEDGE_POINT,
    MAX_OPTION,
    MAX_STEM,
    Difficulty,
    FillRules,
    Option,
    QuestionDraft,
    QuestionType,
)
from question_bank.spreadsheet import questions_workbook

blp = Blueprint("question_bank_api", __name__, url_prefix=API_PREFIX, description="题库")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = [t.value for t in QuestionType]
MAX_SEARCH = 200  # characters of a stem search
DIFFICULTIES = [d.value for d in Difficulty]


class QuestionQuery(Schema):
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))
    tag = fields.String(load_default=None, validate=validate.Length(max=MAX_KNOWLEDGE_POINT))
    q = fields.String(load_default=None, validate=validate.Length(max=MAX_SEARCH))
    difficulty = fields.String(load_default=None, validate=validate.OneOf(DIFFICULTIES))
    post = fields.String(load_default=None, validate=validate.Length(max=32))
    level = fields.Integer(load_default=None, validate=validate.Range(1, 5))
    status = fields.String(
        load_default="active", validate=validate.OneOf(["active", "retired", "all"])
    )
    bank = fields.String(
        load_default=None,
        validate=validate.Length(max=32),
        metadata={"description": "province 或 e{企业ID}；默认为本人管理的题库"},
    )
    page = Page()
    per_page = PerPage()


class ExportQuery(QuestionQuery):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "xml"]))


class OptionSchema(Schema):
    key = fields.String(required=True, validate=validate.Length(max=1))
    text = fields.String(required=True, validate=validate.Length(max=MAX_OPTION))


class QuestionSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    stem = fields.String()
    options = fields.List(fields.Nested(OptionSchema))
    answer = fields.Raw(metadata={"description": "仅题库管理者可见；与考生作答同形"})
    accepted_answers = fields.List(fields.List(fields.String()))
    explanation = fields.String()
    tags = fields.List(fields.String())
    difficulty = fields.String()
    posts = fields.List(fields.String())
    levels = fields.List(fields.Integer())
    status = fields.String()
    version = fields.Integer()


def _list(item, limit: int) -> fields.List:
    return fields.List(item, load_default=list, validate=validate.Length(max=limit))


class QuestionInput(Schema):
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    stem = fields.String(required=True, validate=validate.Length(max=MAX_STEM))
    # Up to 26 options reach the rules, which say "at most 8 (A–H)" in their own words.
    options = _list(fields.Nested(OptionSchema), 26)
    answer = fields.Raw(load_default=None)
    blanks = _list(
        _list(fields.String(validate=validate.Length(max=MAX_ANSWER)), MAX_ACCEPTED), MAX_BLANKS
    )
    fill_rules = fields.Dict(load_default=dict)
    explanation = fields.String(load_default="", validate=validate.Length(max=MAX_EXPLANATION))
    tags = _list(fields.String(validate=validate.Length(max=MAX_KNOWLEDGE_POINT)), 10)
    difficulty = fields.String(load_default="medium", validate=validate.OneOf(DIFFICULTIES))
    posts = _list(fields.String(validate=validate.Length(max=32)), 20)
    levels = _list(fields.Integer(validate=validate.Range(1, 5)), 10)

    @validates_schema
    def _fill_rules_known(self, data, **kwargs):
        unknown = set(data["fill_rules"]) - {"trim", "ignore_width", "ignore_case"}
        if unknown:
            raise ValidationError("未知的填空判分选项", "fill_rules")


class QuestionImportResultSchema(Schema):
    imported = fields.Integer()
    skipped = fields.List(fields.Dict(), metadata={"description": "未导入的试题及原因"})
    would_import = fields.Integer(metadata={"description": "仅 dry_run：将导入的试题数"})
    problems = fields.List(fields.Dict(), metadata={"description": "仅 dry_run：发现的问题"})
    notes = fields.List(
        fields.Dict(),
        metadata={
            "description": "导入的试题中与原文件不同之处，逐题：{source, notes}"
            "（如“答案反馈已并入解析”“部分得分的备选答案未导入”）"
        },
    )
    file_notes = fields.List(
        fields.String(),
        metadata={"description": "关于整个文件的说明，如自动识别的文件编码；没有时省略"},
    )


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "只预览，不导入"})


def _bank_for(requested: str | None) -> str:
    """The bank a request addresses: the caller's own unless another readable one is named."""
    banks = readable_banks(current_user)
    bank = requested or owned_bank(current_user) or (banks[0] if banks else None)
    if bank is None or bank not in banks:
        raise NotFound("题库不存在或无权访问")
    return bank


def _owned_bank_or_403() -> str:
    bank = owned_bank(current_user)
    if bank is None:
        raise Refused("只有题库管理者可以修改题库")
    return bank


def question_view(question: Question) -> dict:
    """A question as the caller may see it: answers only for the bank's owners."""
    draft = services.draft_of(question)
    body = {
        "id": question.id,
        "type": draft.type.value,
        "stem": draft.stem,
        "options": [{"key": o.key, "text": o.text} for o in draft.options],
        "tags": [draft.knowledge_point] if draft.knowledge_point else [],
        "difficulty": draft.difficulty.value,
        "posts": draft.posts,
        "levels": draft.levels,
        "status": question.status,
        "version": question.version,
    }
    if may(current_user, Action.MANAGE, question):
        if draft.type is QuestionType.FILL:
            body["answer"] = [accepted[0] for accepted in draft.blanks]
            body["accepted_answers"] = draft.blanks
        else:
            body["answer"] = draft.answer
        body["explanation"] = draft.explanation
    return body


def _draft(data: dict) -> QuestionDraft:
    type_ = QuestionType(data["type"])
    blanks = data["blanks"]
    answer = data["answer"]
    if type_ is QuestionType.FILL and not blanks and isinstance(answer, list):
        # The response form (["答案1", "答案2"]) names one accepted answer per blank.
        blanks = [[a] if isinstance(a, str) else list(a) for a in answer]
        answer = None
    return QuestionDraft(
        type=type_,
        stem=data["stem"],
        options=[Option(o["key"], o["text"]) for o in data["options"]],
        answer=sorted(answer)
        if type_ is QuestionType.MULTIPLE and isinstance(answer, list)
        else answer,
        blanks=blanks,
        fill_rules=FillRules(**data["fill_rules"]),
        explanation=data["explanation"],
        knowledge_point=data["tags"][0] if data["tags"] else None,
        difficulty=Difficulty(data["difficulty"]),
        posts=data["posts"],
        levels=data["levels"],
    )


def _filtered(args: dict):
    return services.search(
        _bank_for(args["bank"]),
        type=args["type"],
        tag=args["tag"],
        q=args["q"],
        difficulty=args["difficulty"],
        post=args["post"],
        level=args["level"],
        status=args["status"],
    )


@blp.get("/questions")
@blp.arguments(QuestionQuery, location="query")
@login_required
def questions(args):
    """Questions of a bank, filtered: `{"items", "total", "page"}`; `q` searches the stem."""
    return paginate(_filtered(args), args["page"], args["per_page"], question_view)


@blp.get("/questions/<int:question_id>")
@blp.response(200, QuestionSchema)
@login_required
def question(question_id):
    """One question (its current version)."""
    return question_view(get_or_404(current_user, Question, question_id))


@blp.post("/questions")
@blp.arguments(QuestionInput)
@blp.response(201, QuestionSchema)
@login_required
def create_question(data):
    """Write a question into the caller's own bank."""
    bank = _owned_bank_or_403()
    return question_view(services.create_question(bank, _draft(data), user_id=current_user.id))


@blp.put("/questions/<int:question_id>")
@blp.arguments(QuestionInput)
@blp.response(200, QuestionSchema)
@login_required
def update_question(data, question_id):
    """Edit a question: changed content becomes a new version; past attempts keep theirs."""
    target = get_or_404(current_user, Question, question_id, Action.MANAGE)
    services.update_question(target, _draft(data), user_id=current_user.id)
    return question_view(target)


@blp.post("/questions/<int:question_id>/retire")
@blp.response(200, QuestionSchema)
@login_required
def retire_question(question_id):
    """Retire a question: it leaves new papers and stays in past attempts."""
    target = get_or_404(current_user, Question, question_id, Action.MANAGE)
    services.set_retired(target, True)
    return question_view(target)


@blp.post("/questions/<int:question_id>/restore")
@blp.response(200, QuestionSchema)
@login_required
def restore_question(question_id):
    """Bring a retired question back."""
    target = get_or_404(current_user, Question, question_id, Action.MANAGE)
    services.set_retired(target, False)
    return question_view(target)


@blp.get("/question-bank/import-template")
@blp.response(200, content_type=XLSX, description="试题导入模板 (.xlsx)")
@login_required
def import_template():
    """The Excel template: 题型, 题干, 选项A…选项H, 答案, 解析, 知识点, 难度, 岗位, 等级."""
    return send_file(
        BytesIO(questions_workbook([])),
        mimetype=XLSX,
        as_attachment=True,
        download_name="试题导入模板.xlsx",
    )


@blp.post("/question-bank/imports")
@blp.arguments(ImportQuery, location="query")
@blp.arguments(FileUploadSchema, location="files")
@blp.response(201, QuestionImportResultSchema)
@blp.alt_response(200, description="dry_run：预览结果，不写入")
@blp.alt_response(422, description="有任何错误：details 逐行/逐题列出，不导入任何试题")
@login_required
def import_file(query, files):
    """Import .xlsx (the template), .xml (Moodle XML) or .gift/.txt (GIFT), all or nothing."""
    bank = _owned_bank_or_403()
    upload = request.files["file"]
    data = upload.read()
    report = services.import_questions(
        bank, upload.filename or "", data, user_id=current_user.id, dry_run=query["dry_run"]
    )
    if query["dry_run"]:
        return {
            "imported": 0,
            "would_import": len(report.items) - len(report.skipped),
            "skipped": report.skipped,
            "problems": [services.problem_detail(p) for p in report.problems],
            "notes": report.notes,
            "file_notes": report.file_notes,
        }, 200
    # The contract's shape, {"imported", "skipped"}, plus what there is to say.
    said = {"notes": report.notes, "file_notes": report.file_notes}
    return {
        "imported": report.imported,
        "skipped": report.skipped,
        **{name: value for name, value in said.items() if value},
    }


@blp.get("/question-bank/knowledge-points")
@login_required
def knowledge_points():
    """Active questions per knowledge point, by type and difficulty."""
    bank = _bank_for(request.args.get("bank"))
    return {"bank": bank, "items": services.knowledge_point_counts(bank)}


@blp.get("/question-bank/export")
@blp.arguments(ExportQuery, location="query")
@blp.response(200, content_type=XLSX, description="按筛选条件导出（xlsx 模板格式或 Moodle XML）")
@login_required
def export(args):
    """Export the filtered questions as the Excel template or Moodle XML; owners only."""
    bank = _owned_bank_or_403()
    if args["bank"] and args["bank"] != bank:
        raise NotFound("题库不存在或无权访问")
    drafts = [services.draft_of(q) for q in db.session.scalars(_filtered(args))]
    if args["format"] == "xml":
        return send_file(
            BytesIO(moodle_xml.write_moodle_xml(drafts)),
            mimetype="application/xml",
            as_attachment=True,
            download_name="试题.xml",
        )
    return send_file(
        BytesIO(questions_workbook(drafts)),
        mimetype=XLSX,
        as_attachment=True,
        download_name="试题.xlsx",
    )
