"""Moodle XML question files: importing the kinds the bank holds, and exporting drafts.

Moodle has no posts, levels or difficulty; they travel as Moodle tags ("岗位:保安",
"等级:4", "难度:中等") so that an exported file imports back unchanged.
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.parsers import expat

from app.orgs.rules.posts import Post
from question_bank.rules import encoding
from question_bank.rules.rich_text import Markdown, TextReader, Unkeepable, embedded_files, percent
from question_bank.rules.types import (
    MAX_IMPORT_QUESTIONS,
    OPTION_KEYS,
    TOO_MANY_QUESTIONS,
    Difficulty,
    FillRules,
    ImportItem,
    Option,
    ParsedFile,
    Problem,
    QuestionDraft,
    QuestionType,
    draft_problems,
    html_to_text,
    looks_like_html,
    normalise_knowledge_point,
    parse_difficulty,
    parse_levels,
    parse_posts,
    parse_true_false,
)

# Moodle's own names for the kinds the bank cannot hold, in the words of its Chinese UI.
UNSUPPORTED_TYPES = {
    "essay": "简答/论述",
    "match": "匹配",
    "matching": "匹配",
    "randomsamatch": "随机简答匹配",
    "numerical": "数值",
    "calculated": "计算",
    "calculatedsimple": "简单计算",
    "calculatedmulti": "计算选择",
    "multianswer": "完形填空（Cloze）",
    "description": "说明文字，不是试题",
    "ddwtos": "拖放文字",
    "gapselect": "下拉选词填空",
    "ddimageortext": "拖放到图片",
    "ddmarker": "拖放标记",
    "ordering": "排序",
    "random": "随机抽题",
}

_MAX_OPTIONS = len(OPTION_KEYS)
_FULL = Decimal(100)
_BLANK = "____"
# Stem markers a cloze export turns into its sub-questions: ____ (two or more underscores).
_STEM_BLANK = re.compile(r"_{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed anywhere in XML 1.0

# Tags carrying what Moodle has no field for.
POST_TAG, LEVEL_TAG, DIFFICULTY_TAG, FILL_TAG = "岗位", "等级", "难度", "填空"
_KEEP_SPACES, _KEEP_WIDTH = "保留空格", "区分全半角"


# --- categories ------------------------------------------------------------------------

_CONTEXT = re.compile(r"^\$[a-z0-9_]+\$(?:/|$)")
# Moodle's default category of a context, in English and in the Chinese language pack.
_DEFAULT_CATEGORY = re.compile(r"^(?:default for\s|默认$|默认于|默认类别)|的默认类别$", re.I)


def category_knowledge_point(path: str | None) -> str | None:
    """The knowledge point a Moodle category path means: "$course$/Iota/Kappa" → "Iota/Kappa".

    The context ($course$, $system$, $module$, $cat1$…), Moodle's "top" and a leading default
    category ("Default for …", "默认…") are not knowledge points and are dropped.
    """
    text = _CONTEXT.sub("", (path or "").strip())
    segments = [segment.strip() for segment in text.split("/")]
    segments = [segment for segment in segments if segment]
    if segments and segments[0].lower() == "top":
        segments.pop(0)
    if segments and _DEFAULT_CATEGORY.search(segments[0]):
        segments.pop(0)
    return normalise_knowledge_point("/".join(segments))


# --- reading ---------------------------------------------------------------------------


class _Refused(Exception):
    """A document type or entity declaration: never needed by Moodle, dangerous to expand."""


_EXPAT_MESSAGES = {
    expat.errors.XML_ERROR_TAG_MISMATCH: "开始标签和结束标签不配对",
    expat.errors.XML_ERROR_NO_ELEMENTS: "文件不完整或没有内容",
    expat.errors.XML_ERROR_UNCLOSED_TOKEN: "文件不完整，标签没有结束",
    expat.errors.XML_ERROR_UNDEFINED_ENTITY: "使用了 XML 不认识的实体（如 &nbsp;）",
    expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "根元素之后还有多余的内容",
    expat.errors.XML_ERROR_UNKNOWN_ENCODING: "不支持文件声明的编码，请以 UTF-8 编码保存",
    expat.errors.XML_ERROR_INVALID_TOKEN: "含有不合法的字符或标记",
}
_EXPAT_CODES = {expat.errors.codes[message]: text for message, text in _EXPAT_MESSAGES.items()}


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHINESE_ENCODINGS = {"gbk", "gb2312", "gb_2312-80", "gb18030", "cp936"}


def _as_utf8(data: bytes) -> tuple[bytes, str | None]:
    """The document, re-encoded as UTF-8 when expat cannot read it as it stands, and the
    preview's note on an encoding other than UTF-8 (None for UTF-8).

    A declared Chinese encoding (which expat lacks) is converted; an undeclared document that
    is not UTF-8 is recognised as GB18030 only when it reads like Chinese, else refused
    (`_Unsure`).
    """
    match = _DECLARED_ENCODING.match(data)
    declared = match.group(1).decode("ascii").lower() if match else None
    if declared in _CHINESE_ENCODINGS:
        # gb18030 is a superset of gbk and gb2312, so it reads all three.
        text = data.decode("gb18030")
        start, end = match.span(1)
        converted = (data[:start].decode("ascii") + "UTF-8" + text[end:]).encode("utf-8")
        return converted, f"文件编码：{declared.upper()}（按文件的声明读取）"
    if declared and declared not in ("utf-8", "utf8"):
        return data, f"文件编码：{declared.upper()}（按文件的声明读取）"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data, encoding.guessed_note("UTF-16")
    try:
        data.decode("utf-8")
        return data, None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _Unsure from None
    if not encoding.reads_like_chinese(text):
        raise _Unsure
    return text.encode("utf-8"), encoding.guessed_note("GB18030")


class _Unsure(Exception):
    """A document that is not UTF-8 and declares no encoding, and does not read as GB18030."""


class _TooLarge(Exception):
    """A document larger than any question file; the message says how."""


# Moodle writes quiz/question/answer/text: nothing deeper than a few levels. A 20 MB file of
# empty elements would otherwise make a tree of several hundred megabytes.
MAX_XML_BYTES = 20 * 1024 * 1024
MAX_XML_DEPTH = 32
MAX_XML_ELEMENTS = 500_000  # attributes count as elements; 5,000 questions need ~150,000


def _parse_document(data: bytes) -> ET.Element:
    """The document's tree; refuses DOCTYPE and ENTITY declarations as defusedxml does,
    and stops at the limits of depth, elements and questions."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    depth = elements = questions = 0

    def refuse(*_args: object) -> None:
        raise _Refused

    def start(tag: str, attributes: dict) -> None:
        nonlocal depth, elements, questions
        depth += 1
        elements += 1 + len(attributes)
        if depth > MAX_XML_DEPTH:
            raise _TooLarge(f"文件的元素嵌套超过 {MAX_XML_DEPTH} 层，不是 Moodle 导出的题目文件")
        if elements > MAX_XML_ELEMENTS:
            raise _TooLarge(f"文件中的元素超过 {MAX_XML_ELEMENTS} 个，请拆分为多个文件分别导入")
        if depth == 2 and tag == "question":
            if (attributes.get("type") or "").strip().lower() != "category":
                questions += 1
                if questions > MAX_IMPORT_QUESTIONS:
                    raise _TooLarge(TOO_MANY_QUESTIONS)
        builder.start(tag, attributes)

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(tag)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.Parse(data, True)
    return builder.close()


def _text_of(element: ET.Element | None) -> str:
    """The <text> of a Moodle text element, or its own text; '' when absent."""
    if element is None:
        return ""
    inner = element.find("text")
    return (inner.text if inner is not None else element.text) or ""


def _plain(reader: TextReader, element: ET.Element | None, what: str, *, stem: bool = False) -> str:
    """A Moodle text element as plain text, according to its format attribute; its
    embedded files (<file>) are where its images are looked for."""
    if element is None:
        return ""
    reader.files = embedded_files(element.findall("file"))
    return reader.read(
        _text_of(element), element.get("format", "moodle_auto_format"), what, stem=stem
    )


def _fraction(answer: ET.Element) -> Decimal:
    try:
        return Decimal(answer.get("fraction", "0").strip() or "0")
    except InvalidOperation:
        raise ValueError(f"答案的分值 fraction=“{answer.get('fraction')}”不是数字") from None


def parse_moodle_xml(data: bytes, markdown: Markdown | None = None) -> ParsedFile:
    """Read a Moodle XML file: questions of the kinds the bank holds, the others skipped.

    `markdown` renders text in Moodle's Markdown format to HTML; without it such text is
    kept as written.
    """
    if not data or not data.strip():
        return ParsedFile([], ["文件是空的"])
    if len(data) > MAX_XML_BYTES:
        limit = MAX_XML_BYTES // (1024 * 1024)
        return ParsedFile([], [f"文件超过 {limit} MB，请拆分为多个文件分别导入"])
    try:
        data, note = _as_utf8(data)
        root = _parse_document(data)
    except _Unsure:
        return ParsedFile([], [encoding.UNSURE.replace("按 GB18030", "也没有声明编码，按 GB18030")])
    except UnicodeDecodeError:
        return ParsedFile([], ["文件内容与其声明的 GBK 编码不符，请以 UTF-8 编码保存后重新上传"])
    except ValueError:
        # pyexpat refuses other multi-byte encodings (Shift_JIS, Big5…) outright.
        return ParsedFile([], ["不支持文件声明的编码，请以 UTF-8 编码保存后重新上传"])
    except _Refused:
        return ParsedFile([], ["文件含有 DOCTYPE 或实体（ENTITY）声明，出于安全原因不予导入"])
    except _TooLarge as error:
        return ParsedFile([], [str(error)])
    except expat.ExpatError as error:
        reason = _EXPAT_CODES.get(error.code, "格式不正确")
        return ParsedFile(
            [],
            [f"文件不是有效的 XML：第 {error.lineno} 行第 {error.offset + 1} 列：{reason}"],
        )
    if root.tag != "quiz":
        return ParsedFile([], [f"不是 Moodle XML 题目文件：根元素应为 <quiz>，实为 <{root.tag}>"])

    items: list[ImportItem] = []
    knowledge_point: str | None = None
    number = 0
    for question in root.findall("question"):
        kind = (question.get("type") or "").strip().lower()
        if kind == "category":
            knowledge_point = category_knowledge_point(_text_of(question.find("category")))
            continue
        number += 1
        items.append(_read_question(question, kind, number, knowledge_point, markdown))
    if not items:
        return ParsedFile([], ["文件中没有试题"], [note] if note else [])
    return ParsedFile(items, [], [note] if note else [])


def _read_question(
    question: ET.Element,
    kind: str,
    number: int,
    knowledge_point: str | None,
    markdown: Markdown | None = None,
) -> ImportItem:
    name = " ".join(_text_of(question.find("name")).split())
    name = name if len(name) <= 60 else name[:59] + "…"  # a title, not a text to store
    source = f"第 {number} 题（{name}）" if name else f"第 {number} 题"
    cloze = None
    dropped: set[str] = set()
    if kind == "multianswer":
        cloze = _cloze_of(question, dropped)
        if cloze is None:
            return ImportItem(
                source, None, [], skipped="不支持的题型：multianswer（完形填空中含选择或数值空）"
            )
    elif kind not in _READERS:
        label = UNSUPPORTED_TYPES.get(kind)
        reason = (
            f"不支持的题型：{kind}（{label}）" if label else f"不支持的题型：{kind or '未注明'}"
        )
        return ImportItem(source, None, [], skipped=reason)

    problems: list[str] = []
    reader = TextReader(markdown)
    if "partial" in dropped:
        reader.notes.append("完形填空中部分得分的备选答案未导入")
    if "feedback" in dropped:
        reader.notes.append("完形填空中的答案反馈未导入")
    try:
        stem = _plain(reader, question.find("questiontext"), "题干", stem=True)
        explanation = _plain(reader, question.find("generalfeedback"), "解析")
        if cloze is not None:
            draft = _fill_from_cloze(stem, cloze)
        else:
            draft = _READERS[kind](reader, question, stem)
    except Unkeepable as error:
        return ImportItem(source, None, [], skipped=str(error))
    except ValueError as error:
        return ImportItem(source, None, [Problem(str(error), question=number)])
    draft.explanation = reader.explanation_with_feedback(explanation)
    draft.knowledge_point = knowledge_point
    _note_dropped(reader, question)
    problems += _apply_tags(question, draft)
    problems += draft_problems(draft)
    return ImportItem(
        source,
        draft,
        [Problem(message, question=number) for message in problems],
        notes=reader.notes,
        image=reader.image,
    )


_COMBINED_FEEDBACK = ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")


def _note_dropped(reader: TextReader, question: ET.Element) -> None:
    """Say what Moodle holds that the bank has no place for: combined feedback, hints."""
    if any(_text_of(question.find(tag)).strip() for tag in _COMBINED_FEEDBACK):
        reader.notes.append("答对、部分正确、答错时的总体反馈未导入")
    hints = [hint for hint in question.findall("hint") if _text_of(hint).strip()]
    if hints:
        reader.notes.append(f"提示（{len(hints)} 条）未导入")


def _choices(reader: TextReader, question: ET.Element) -> list[tuple[Decimal, str, ET.Element]]:
    """(fraction, text, answer element) of each answer that has a text."""
    choices = []
    for answer in question.findall("answer"):
        text = _plain(reader, answer, "选项")
        # Moodle itself drops answers left blank in its editing form.
        if text:
            choices.append((_fraction(answer), text, answer))
    if len(choices) > _MAX_OPTIONS:
        raise ValueError(f"选项最多 {_MAX_OPTIONS} 个（A–H），该题有 {len(choices)} 个")
    return choices


def _feedback(reader: TextReader, when: str, answer: ET.Element) -> None:
    element = answer.find("feedback")
    if element is not None and _text_of(element).strip():
        reader.files = embedded_files(element.findall("file"))
        reader.add_feedback(when, _text_of(element), element.get("format", "moodle_auto_format"))


def _clip(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_multichoice(reader: TextReader, question: ET.Element, stem: str) -> QuestionDraft:
    choices = _choices(reader, question)
    options = [Option(key, text) for key, (_, text, _) in zip(OPTION_KEYS, choices, strict=False)]
    for _, text, answer in choices:
        _feedback(reader, f"选“{_clip(text)}”时", answer)
    single = _text_of(question.find("single")).strip().lower() not in ("false", "0")
    keyed = list(zip(OPTION_KEYS, choices, strict=False))
    full = [key for key, (fraction, _, _) in keyed if fraction == _FULL]
    positive = [key for key, (fraction, _, _) in keyed if fraction > 0]
    # Partial credit has no place in the bank: a single-choice question keeps its full-mark
    # answer; a multiple-response one with just one right answer is a single choice.
    if single or (len(positive) == 1 and positive == full):
        for fraction, text, _ in choices:
            if 0 < fraction < _FULL:
                reader.notes.append(
                    f"部分得分的选项“{_clip(text)}”（{percent(fraction)}%）按错误选项导入"
                )
        answer: str | list[str] = full[0] if len(full) == 1 else full
        return QuestionDraft(QuestionType.SINGLE, stem, options, answer)
    return QuestionDraft(QuestionType.MULTIPLE, stem, options, positive)


def _read_truefalse(reader: TextReader, question: ET.Element, stem: str) -> QuestionDraft:
    answer = None
    for fraction, text, element in _choices(reader, question):
        value = parse_true_false(text)
        if value is not None:
            _feedback(reader, f"选“{'对' if value else '错'}”时", element)
        if fraction == _FULL:
            answer = value
    if answer is None:
        raise ValueError("判断题没有标明正确答案（fraction=100 的 true 或 false）")
    return QuestionDraft(QuestionType.TRUE_FALSE, stem, answer=answer)


def _read_shortanswer(reader: TextReader, question: ET.Element, stem: str) -> QuestionDraft:
    accepted = []
    for fraction, text, element in _choices(reader, question):
        if text == "*":  # the catch-all has no place in the bank; its feedback explains
            _feedback(reader, "答其他内容时", element)
            continue
        if 0 < fraction < _FULL:
            partial = f"“{_clip(text)}”（{percent(fraction)}%）"
            reader.notes.append(f"部分得分的备选答案{partial}未导入")
            continue
        _feedback(reader, f"答“{_clip(text)}”时", element)
        if fraction != _FULL:
            continue
        if re.search(r"(?<!\\)\*", text):
            raise ValueError(
                f"答案“{text}”含有通配符 *，本系统不支持通配符，请列出每个可接受的答案"
            )
        accepted.append(text.replace("\\*", "*"))
    case_sensitive = _text_of(question.find("usecase")).strip() == "1"
    rules = FillRules(ignore_case=not case_sensitive)
    return QuestionDraft(QuestionType.FILL, stem, blanks=[accepted], fill_rules=rules)


_READERS = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
}


def _apply_tags(question: ET.Element, draft: QuestionDraft) -> list[str]:
    """Read our tags into the draft; other tags of real Moodle files are left alone."""
    problems: list[str] = []
    posts: list[str] = []
    levels: list[int] = []
    for element in question.findall("tags/tag"):
        tag = _text_of(element).strip()
        name, separator, value = tag.replace("：", ":").partition(":")
        if not separator:
            continue
        name, value = name.strip(), value.strip()
        try:
            if name == POST_TAG:
                posts += parse_posts(value)
            elif name == LEVEL_TAG:
                levels += parse_levels(value)
            elif name == DIFFICULTY_TAG:
                difficulty = parse_difficulty(value)
                if difficulty is None:
                    choices = "、".join(d.label for d in Difficulty)
                    raise ValueError(f"难度“{value}”无法识别，请填写：{choices}")
                draft.difficulty = difficulty
            elif name == FILL_TAG and value == _KEEP_SPACES:
                draft.fill_rules.trim = False
            elif name == FILL_TAG and value == _KEEP_WIDTH:
                draft.fill_rules.ignore_width = False
        except ValueError as error:
            problems.append(f"标签“{tag}”：{error}")
    draft.posts = list(dict.fromkeys(posts))
    draft.levels = list(dict.fromkeys(levels))
    return problems


# --- cloze (multianswer) ---------------------------------------------------------------

_CLOZE_START = re.compile(r"\{(\d*):([A-Za-z_]+):")
_CASE_INSENSITIVE = {"SHORTANSWER", "SA", "MW"}
_CASE_SENSITIVE = {"SHORTANSWER_C", "SAC", "SA_C", "MWC"}
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")


def _cloze_of(
    question: ET.Element, dropped: set[str] | None = None
) -> list[str | tuple[bool, list[str]]] | None:
    """A cloze text as text pieces and (case_sensitive, accepted) blanks; None unless every
    sub-question is a short answer. `dropped` collects what the blanks cannot keep:
    "partial" (partial-credit answers), "feedback"."""
    dropped = set() if dropped is None else dropped
    element = question.find("questiontext")
    raw = _text_of(element)
    if element is not None and element.get("format") != "plain_text" and looks_like_html(raw):
        raw = html_to_text(raw)
    pieces: list[str | tuple[bool, list[str]]] = []
    position = 0
    while match := _CLOZE_START.search(raw, position):
        kind = match.group(2).upper()
        if kind not in _CASE_INSENSITIVE | _CASE_SENSITIVE:
            return None
        alternatives, end = _cloze_alternatives(raw, match.end(), dropped)
        if end is None:
            return None
        pieces.append(raw[position : match.start()])
        pieces.append((kind in _CASE_SENSITIVE, alternatives))
        position = end
    pieces.append(raw[position:])
    return pieces if len(pieces) > 1 else None


def _cloze_alternatives(text: str, start: int, dropped: set[str]) -> tuple[list[str], int | None]:
    """The full-mark answers of one cloze sub-question and the index after its "}"."""
    alternatives: list[list[tuple[str, bool]]] = [[]]
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            alternatives[-1].append((text[index + 1], True))
            index += 2
            continue
        if char == "}":
            answers = (_full_mark_answer(chars, dropped) for chars in alternatives)
            return [a for a in answers if a is not None], index + 1
        if char == "~":
            alternatives.append([])
        else:
            alternatives[-1].append((char, False))
        index += 1
    return [], None


def _full_mark_answer(chars: list[tuple[str, bool]], dropped: set[str]) -> str | None:
    plain = "".join(char if not escaped else "\x00" for char, escaped in chars)
    if "#" in plain and plain.split("#", 1)[1].strip():
        dropped.add("feedback")
    if plain.startswith("="):
        weight, skip = _FULL, 1
    elif match := _WEIGHT.match(plain):
        weight, skip = Decimal(match.group(1)), match.end()
    else:
        return None
    if weight != _FULL:
        if weight > 0:
            dropped.add("partial")
        return None
    answer = ""
    for char, escaped in chars[skip:]:
        if char == "#" and not escaped:
            break  # feedback follows
        answer += char
    answer = answer.strip()
    return answer if answer and answer != "*" else None


def _fill_from_cloze(stem_text: str, pieces: list) -> QuestionDraft:
    stem = ""
    blanks: list[list[str]] = []
    case_sensitive = False
    for piece in pieces:
        if isinstance(piece, str):
            stem += piece
        else:
            stem += _BLANK
            case_sensitive = case_sensitive or piece[0]
            blanks.append(piece[1])
    return QuestionDraft(
        QuestionType.FILL,
        stem.strip(),
        blanks=blanks,
        fill_rules=FillRules(ignore_case=not case_sensitive),
    )


# --- writing ---------------------------------------------------------------------------


def _moodle_fraction(value: Decimal) -> str:
    """A fraction as Moodle writes it: at most 5 decimals, no trailing zeros (33.33333, 50)."""
    rounded = value.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP).normalize()
    return format(rounded, "f")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text or "")


def _text_element(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    ET.SubElement(element, "text").text = _clean(text)
    return element


def _answer(parent: ET.Element, fraction: str, text: str) -> None:
    answer = _text_element(parent, "answer", text, fraction=fraction, format="plain_text")
    _text_element(answer, "feedback", "", format="plain_text")


def _name(draft: QuestionDraft, number: int) -> str:
    first_line = next((line.strip() for line in draft.stem.splitlines() if line.strip()), "")
    return first_line[:40] + ("…" if len(first_line) > 40 else "") or f"试题 {number}"


def _cloze_answer(text: str) -> str:
    return re.sub(r"([\\}#~])", r"\\\1", text)


def _cloze_text(draft: QuestionDraft) -> str:
    kind = "SHORTANSWER" if draft.fill_rules.ignore_case else "SHORTANSWER_C"
    markers = [
        f"{{1:{kind}:{'~'.join('=' + _cloze_answer(a) for a in accepted)}}}"
        for accepted in draft.blanks
    ]
    if len(_STEM_BLANK.findall(draft.stem)) == len(markers):
        remaining = iter(markers)
        return _STEM_BLANK.sub(lambda _: next(remaining), draft.stem)
    return draft.stem + " " + " ".join(markers)


def _write_question(quiz: ET.Element, draft: QuestionDraft, number: int) -> None:
    kind = {
        QuestionType.SINGLE: "multichoice",
        QuestionType.MULTIPLE: "multichoice",
        QuestionType.TRUE_FALSE: "truefalse",
        QuestionType.FILL: "shortanswer" if len(draft.blanks) <= 1 else "multianswer",
    }[draft.type]
    question = ET.SubElement(quiz, "question", type=kind)
    _text_element(question, "name", _name(draft, number))
    stem = _cloze_text(draft) if kind == "multianswer" else draft.stem
    _text_element(question, "questiontext", stem, format="plain_text")
    _text_element(question, "generalfeedback", draft.explanation, format="plain_text")
    ET.SubElement(question, "defaultgrade").text = "1"
    ET.SubElement(question, "hidden").text = "0"
    if draft.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        single = draft.type is QuestionType.SINGLE
        ET.SubElement(question, "single").text = "true" if single else "false"
        ET.SubElement(question, "shuffleanswers").text = "true"
        ET.SubElement(question, "answernumbering").text = "ABCD"
        correct = [draft.answer] if single else list(draft.answer or [])
        share = _moodle_fraction(_FULL / max(len(correct), 1))
        wrong = "0" if single else "-100"
        for option in draft.options:
            _answer(question, share if option.key in correct else wrong, option.text)
    elif draft.type is QuestionType.TRUE_FALSE:
        _answer(question, "100" if draft.answer is True else "0", "true")
        _answer(question, "0" if draft.answer is True else "100", "false")
    elif kind == "shortanswer":
        ET.SubElement(question, "usecase").text = "0" if draft.fill_rules.ignore_case else "1"
        for accepted in draft.blanks[0] if draft.blanks else []:
            # "*" is Moodle's wildcard; a literal one is written escaped.
            _answer(question, "100", accepted.replace("*", "\\*"))
    tags = [f"{DIFFICULTY_TAG}:{draft.difficulty.label}"]
    tags += [f"{POST_TAG}:{_post_label(post)}" for post in draft.posts]
    tags += [f"{LEVEL_TAG}:{level}" for level in draft.levels]
    if draft.type is QuestionType.FILL and not draft.fill_rules.trim:
        tags.append(f"{FILL_TAG}:{_KEEP_SPACES}")
    if draft.type is QuestionType.FILL and not draft.fill_rules.ignore_width:
        tags.append(f"{FILL_TAG}:{_KEEP_WIDTH}")
    tags_element = ET.SubElement(question, "tags")
    for tag in tags:
        _text_element(tags_element, "tag", tag)


def _post_label(value: str) -> str:
    try:
        return Post(value).label
    except ValueError:
        return value


def write_moodle_xml(drafts: Iterable[QuestionDraft]) -> bytes:
    """A Moodle XML file of `drafts`, each preceded by its category when that changes.

    Questions without a knowledge point go to "$course$/top/默认", which reads back as none.
    A fill-in with several blanks becomes a Moodle cloze (multianswer) question whose
    sub-questions replace the stem's ____ markers.
    """
    quiz = ET.Element("quiz")
    current: object = object()
    for number, draft in enumerate(drafts, start=1):
        if draft.knowledge_point != current:
            current = draft.knowledge_point
            category = ET.SubElement(quiz, "question", type="category")
            path = f"$course$/{current}" if current else "$course$/top/默认"
            _text_element(category, "category", path)
        _write_question(quiz, draft, number)
    ET.indent(quiz)
    body = ET.tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")
