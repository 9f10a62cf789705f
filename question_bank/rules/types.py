"""The shape of a question before it is stored (a draft), and the rules every draft obeys.

Pure functions only: the Excel, Moodle XML and GIFT parsers build drafts, the services store
them, and exams grade fill-in answers with `fill_matches`.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from html import unescape
from html.parser import HTMLParser

from app.orgs.rules.posts import POST_LABELS, Post, parse_post

OPTION_KEYS = "ABCDEFGH"

# The longest texts a question holds, in characters: the same on every path (API, form,
# Excel, Moodle XML, GIFT), so that no path stores what another would refuse.
MAX_STEM = 4000
MAX_OPTION = 500
MAX_EXPLANATION = 4000
MAX_KNOWLEDGE_POINT = 255  # the width of knowledge_points.path
MAX_ANSWER = 200  # one accepted answer of one blank
MAX_BLANKS = 50
MAX_ACCEPTED = 50  # accepted answers of one blank
# Questions of one imported file, whatever its format: a whole provincial bank, small
# enough to check within one request.
MAX_IMPORT_QUESTIONS = 5000
TOO_MANY_QUESTIONS = (
    f"试题超过上限：一次最多导入 {MAX_IMPORT_QUESTIONS} 道，请拆分为多个文件分别导入"
)


class QuestionType(StrEnum):
    """A kind of question the bank holds (题型); the value is what the database stores."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    FILL = "fill"

    @property
    def label(self) -> str:
        """The Chinese name shown to users."""
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.TRUE_FALSE: "判断",
    QuestionType.FILL: "填空",
}

_TYPE_LOOKUP = {
    **{t.value: t for t in QuestionType},
    **{label: t for t, label in _TYPE_LABELS.items()},
    **{label + "题": t for t, label in _TYPE_LABELS.items()},
    "单项选择": QuestionType.SINGLE,
    "单项选择题": QuestionType.SINGLE,
    "单选择题": QuestionType.SINGLE,
    "多项选择": QuestionType.MULTIPLE,
    "多项选择题": QuestionType.MULTIPLE,
    "是非题": QuestionType.TRUE_FALSE,
    "对错题": QuestionType.TRUE_FALSE,
    "truefalse": QuestionType.TRUE_FALSE,
}


class Difficulty(StrEnum):
    """How hard a question is (难度); the value is what the database stores."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"

    @property
    def label(self) -> str:
        """The Chinese name shown to users."""
        return _DIFFICULTY_LABELS[self]


_DIFFICULTY_LABELS = {
    Difficulty.EASY: "容易",
    Difficulty.MEDIUM: "中等",
    Difficulty.HARD: "困难",
}

_DIFFICULTY_LOOKUP = {
    **{d.value: d for d in Difficulty},
    **{label: d for d, label in _DIFFICULTY_LABELS.items()},
    "简单": Difficulty.EASY,
    "易": Difficulty.EASY,
    "较易": Difficulty.EASY,
    "中": Difficulty.MEDIUM,
    "一般": Difficulty.MEDIUM,
    "较难": Difficulty.HARD,
    "难": Difficulty.HARD,
}

# 职业技能等级: national vocational qualification levels, 5 the most junior.
LEVELS = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}

_LEVEL_NUMERALS = {5: "五", 4: "四", 3: "三", 2: "二", 1: "一"}


def _level_spellings() -> dict[str, int]:
    spellings: dict[str, int] = {}
    for level, label in LEVELS.items():
        grade, title = label.split("/")
        for text in (
            grade,
            title,
            str(level),
            f"{level}级",
            label,
            f"{grade}{title}",
            f"{grade}({title})",
            f"{title}({grade})",
            f"{title}/{grade}",
        ):
            spellings[text] = level
    # 初级/中级/高级 are the everyday short forms of the three 工 titles; 技师 and 高级技师
    # have no short form.
    spellings.update({"初级": 5, "中级": 4, "高级": 3})
    return spellings


_LEVEL_LOOKUP = _level_spellings()
_ALL = {"", "全部", "通用", "所有", "不限", "全部等级", "全部岗位", "各等级", "各岗位"}
_LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
_LEVEL_CHOICES = "、".join(f"{_LEVEL_NUMERALS[n]}级" for n in LEVELS)
_POST_CHOICES = "、".join(POST_LABELS.values())


def _key(text: object) -> str:
    """A spelling reduced for lookups: NFKC, no whitespace, lower case."""
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def parse_type(text: object) -> QuestionType | None:
    """The question type a label (单选, 多选题…) or stored value names, or None."""
    return _TYPE_LOOKUP.get(_key(text))


def parse_difficulty(text: object) -> Difficulty | None:
    """The difficulty a label (容易, 较难…) or stored value names, or None."""
    return _DIFFICULTY_LOOKUP.get(_key(text))


def parse_levels(text: object) -> list[int]:
    """The levels a cell lists (五级, 初级工, 5级, "四级、三级"…); [] means every level.

    Raises ValueError, with a message for users, for a part that names no level. Levels come
    back in the order written, without duplicates, so that exported files read back unchanged.
    """
    if isinstance(text, float) and text.is_integer():
        text = int(text)  # Excel stores a typed 4 as 4.0
    raw = unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()
    if _key(raw) in _ALL:
        return []
    parts = [part for part in _LIST_SEPARATORS.split(raw) if part]
    levels: list[int] = []
    for part in parts:
        level = _LEVEL_LOOKUP.get(_key(part))
        if level is None:
            raise ValueError(f"等级“{_clip(part)}”无法识别，请填写：{_LEVEL_CHOICES}，多个用、分隔")
        if level not in levels:
            levels.append(level)
    return levels


def parse_posts(text: object) -> list[str]:
    """The posts a cell lists (保安、保洁…), as Post values; [] means every post.

    Raises ValueError, with a message for users, for a part that names no post. Posts come
    back in the order written, without duplicates.
    """
    raw = unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()
    if _key(raw) in _ALL:
        return []
    posts: list[str] = []
    for part in _LIST_SEPARATORS.split(raw):
        if not part:
            continue
        post = parse_post(part)
        if post is None:
            raise ValueError(f"岗位“{_clip(part)}”无法识别，请填写：{_POST_CHOICES}，多个用、分隔")
        if post.value not in posts:
            posts.append(post.value)
    return posts


_TRUE_SPELLINGS = {"对", "正确", "√", "✓", "✔", "t", "true", "是", "y", "yes", "1"}
_FALSE_SPELLINGS = {"错", "错误", "×", "✗", "✘", "f", "false", "否", "n", "no", "0"}


def parse_true_false(text: object) -> bool | None:
    """The truth value a judgement answer spells (对/错, 正确/错误, √/×, T/F…), or None."""
    if isinstance(text, bool):
        return text
    key = _key(text)
    if key in _TRUE_SPELLINGS:
        return True
    if key in _FALSE_SPELLINGS:
        return False
    return None


def normalise_knowledge_point(text: object) -> str | None:
    """A knowledge-point path with trimmed segments joined by "/", or None when empty."""
    if text is None:
        return None
    segments = [s.strip() for s in re.split(r"[/／]", str(text))]
    path = "/".join(s for s in segments if s)
    return path or None


def _clip(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the draft ---------------------------------------------------------------------------


@dataclass
class Option:
    """One choice of a single- or multiple-choice question; `key` is its stable letter."""

    key: str
    text: str


@dataclass
class FillRules:
    """How a fill-in response is compared with the accepted answers."""

    trim: bool = True  # ignore surrounding spaces and runs of inner spaces
    ignore_width: bool = True  # 全角/半角: "ＡＢＣ１" matches "ABC1"
    ignore_case: bool = False


@dataclass
class QuestionDraft:
    """A question as typed, imported or edited, before it is stored."""

    type: QuestionType
    stem: str
    options: list[Option] = field(default_factory=list)  # single/multiple
    # single "B"; multiple ["A", "C"] sorted; true/false True/False; fill: None
    answer: str | list[str] | bool | None = None
    blanks: list[list[str]] = field(default_factory=list)  # fill: accepted answers per blank
    fill_rules: FillRules = field(default_factory=FillRules)
    explanation: str = ""
    knowledge_point: str | None = None  # a path such as "法律法规/民法典/物业服务合同"
    difficulty: Difficulty = Difficulty.MEDIUM
    posts: list[str] = field(default_factory=list)  # Post values; empty = every post
    levels: list[int] = field(default_factory=list)  # empty = every level


@dataclass
class StemImage:
    """An image shown in a stem, as the imported file carries it."""

    name: str  # the file name the author gave it, for people
    data: bytes


@dataclass
class Problem:
    """Something wrong with an imported file, located by row and column or by question."""

    message: str
    row: int | None = None  # Excel row number
    column: str | None = None  # Excel header, e.g. "答案"
    question: int | None = None  # position of the question in a Moodle XML or GIFT file


@dataclass
class ImportItem:
    """One question of an imported file: its draft, its problems, or why it was skipped."""

    source: str  # "第 3 行" or "第 5 题（Q2）"
    draft: QuestionDraft | None
    problems: list[Problem]
    skipped: str | None = None  # a kind the bank does not hold, with the reason
    # What the file said that the bank keeps differently or not at all, in Chinese
    # (「答案反馈已并入解析」, 「部分得分的备选答案“Cat”（50%）未导入」).
    notes: list[str] = field(default_factory=list)
    image: StemImage | None = None  # an image of the stem embedded in the file


@dataclass
class ParsedFile:
    """Everything read from one imported file."""

    items: list[ImportItem]
    file_problems: list[str]
    notes: list[str] = field(default_factory=list)  # e.g. the encoding that was guessed

    @property
    def drafts(self) -> list[QuestionDraft]:
        """The drafts that can be imported as they stand."""
        return [
            item.draft
            for item in self.items
            if item.draft is not None and not item.problems and not item.skipped
        ]

    @property
    def problems(self) -> list[Problem]:
        """Every problem, the file's own first; an import goes ahead only when there is none."""
        return [Problem(message) for message in self.file_problems] + [
            problem for item in self.items for problem in item.problems
        ]

    @property
    def skipped(self) -> list[ImportItem]:
        """The questions left out because the bank does not hold their kind."""
        return [item for item in self.items if item.skipped]


# --- validation --------------------------------------------------------------------------

_CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


def field_problems(draft: QuestionDraft) -> list[tuple[str, str]]:
    """Every problem of a draft as (field, message); the field locates it for importers.

    Fields: "type", "stem", "option:<key>", "answer", "explanation", "knowledge_point",
    "posts", "levels".
    """
    problems: list[tuple[str, str]] = []
    if not isinstance(draft.type, QuestionType):
        return [("type", "题型无效，请选择：单选、多选、判断、填空")]
    if not (draft.stem or "").strip():
        problems.append(("stem", "题干不能为空"))
    if draft.type in _CHOICE_TYPES:
        problems += _option_problems(draft.options)
        keys = {option.key for option in draft.options}
        if draft.type is QuestionType.SINGLE:
            problems += _single_answer_problems(draft.answer, keys)
        else:
            problems += _multiple_answer_problems(draft.answer, keys)
    elif draft.type is QuestionType.TRUE_FALSE:
        if draft.options:
            problems.append(("option:A", "判断题不设选项"))
        if not isinstance(draft.answer, bool):
            problems.append(("answer", "判断题的答案应为“对”或“错”"))
    else:
        if draft.options:
            problems.append(("option:A", "填空题不设选项，请清空选项或检查题型"))
        if not draft.blanks:
            problems.append(("answer", "填空题至少要有一个空的答案"))
        for number, accepted in enumerate(draft.blanks, start=1):
            if not any(isinstance(a, str) and a.strip() for a in accepted):
                problems.append(("answer", f"第 {number} 空没有填写可接受的答案"))
    if draft.knowledge_point is not None and not normalise_knowledge_point(draft.knowledge_point):
        problems.append(("knowledge_point", "知识点不能只有分隔符“/”"))
    problems += _length_problems(draft)
    known_posts = {post.value for post in Post}
    for post in draft.posts:
        if post not in known_posts:
            problems.append(("posts", f"岗位“{_clip(str(post))}”无法识别"))
    for level in draft.levels:
        if level not in LEVELS:
            problems.append(("levels", f"等级“{level}”无效，只能是 1–5（{_LEVEL_CHOICES}）"))
    return problems


def _too_long(what: str, text: object, limit: int) -> str | None:
    length = len(text) if isinstance(text, str) else 0
    return f"{what}过长：最多 {limit} 个字，当前 {length} 个字" if length > limit else None


def _length_problems(draft: QuestionDraft) -> list[tuple[str, str]]:
    """Texts longer than the bank holds, each named by its field."""
    checks = [
        ("stem", "题干", draft.stem, MAX_STEM),
        *((f"option:{o.key}", f"选项 {o.key} ", o.text, MAX_OPTION) for o in draft.options),
        ("explanation", "解析", draft.explanation, MAX_EXPLANATION),
        ("knowledge_point", "知识点", draft.knowledge_point, MAX_KNOWLEDGE_POINT),
    ]
    problems = [
        (name, message)
        for name, what, text, limit in checks
        if (message := _too_long(what, text, limit))
    ]
    if draft.type is QuestionType.FILL:
        if len(draft.blanks) > MAX_BLANKS:
            problems.append(
                ("answer", f"填空题最多 {MAX_BLANKS} 个空，当前 {len(draft.blanks)} 个")
            )
        for number, accepted in enumerate(draft.blanks[:MAX_BLANKS], start=1):
            if len(accepted) > MAX_ACCEPTED:
                message = (
                    f"第 {number} 空最多 {MAX_ACCEPTED} 个可接受的答案，当前 {len(accepted)} 个"
                )
                problems.append(("answer", message))
            for answer in accepted[:MAX_ACCEPTED]:
                if message := _too_long(
                    f"第 {number} 空的答案“{_clip(str(answer))}”", answer, MAX_ANSWER
                ):
                    problems.append(("answer", message))
    return problems


def _option_problems(options: list[Option]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if len(options) > len(OPTION_KEYS):
        problems.append(
            ("option:H", f"选项最多 {len(OPTION_KEYS)} 个（A–H），当前有 {len(options)} 个")
        )
        return problems
    keys = [option.key for option in options]
    for position, key in enumerate(keys):
        expected = OPTION_KEYS[position]
        if key != expected:
            problems.append((f"option:{expected}", f"选项应从 A 起连续编号：缺少选项 {expected}"))
            break
    else:
        if len(options) < 2:
            problems.append((f"option:{OPTION_KEYS[len(options)]}", "选择题至少需要 2 个选项"))
    seen: dict[str, str] = {}
    for option in options:
        if not (option.text or "").strip():
            problems.append((f"option:{option.key}", f"选项 {option.key} 的内容为空"))
            continue
        text = normalise_stem(option.text)
        if text in seen:
            problems.append(
                (f"option:{option.key}", f"选项 {option.key} 与选项 {seen[text]} 内容相同")
            )
        else:
            seen[text] = option.key
    return problems


def _single_answer_problems(answer: object, keys: set[str]) -> list[tuple[str, str]]:
    if not isinstance(answer, str) or len(answer) != 1:
        return [("answer", "单选题应有且只有一个正确答案")]
    if answer not in keys:
        return [("answer", f"答案 {answer} 没有对应的选项")]
    return []


def _multiple_answer_problems(answer: object, keys: set[str]) -> list[tuple[str, str]]:
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        return [("answer", "多选题的答案应为全部正确选项的字母")]
    problems = [("answer", f"答案中的 {a} 没有对应的选项") for a in answer if a not in keys]
    if len(set(answer)) < 2:
        problems.append(("answer", "多选题至少要有 2 个正确答案；只有一个正确答案请改为单选题"))
    return problems


def draft_problems(draft: QuestionDraft) -> list[str]:
    """Why a draft cannot be stored, in Chinese; empty when it can."""
    return [message for _, message in field_problems(draft)]


# --- text ------------------------------------------------------------------------------

# Only things shaped like real tags count, so that "a < b" or "3<5" in a stem survive. No
# pattern here may backtrack over the text: "<!--.*?-->" once took minutes over 200 KB of
# unterminated "<!--" (each start scanned to the end), so comments are found with str.find.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
# A "<" whose next "<" comes before any ">" opens nothing a browser would close.
_UNCLOSED = re.compile(r"<(?=[^<>]*(?:<|\Z))")
# <!DOCTYPE …>, <![if …]> (Word), <?xml …?>: declarations that show nothing.
_DECLARATION = re.compile(r"<[!?][^<>]*>")


def _has_comment(text: str) -> bool:
    # The first "<!--" decides: if no "-->" follows it, none follows a later one either.
    start = text.find("<!--")
    return start != -1 and text.find("-->", start + 4) != -1


def _has_markup(text: str) -> bool:
    return bool(_TAG.search(text)) or _has_comment(text)


def looks_like_html(text: str) -> bool:
    """Whether text carries HTML tags or entities (Moodle stores most text as HTML)."""
    return _has_markup(text) or bool(_ENTITY.search(text))


def has_image(html: str) -> bool:
    """Whether HTML shows an image, which a plain-text question would silently lose."""
    return bool(_IMAGE.search(html))


def _without_comments(html: str) -> str:
    """HTML without its comments, in one pass; an unterminated "<!--" is left as text."""
    parts: list[str] = []
    position = 0
    while (start := html.find("<!--", position)) != -1:
        end = html.find("-->", start + 4)
        if end == -1:
            break
        parts.append(html[position:start])
        position = end + 3
    # No "-->" follows the first unterminated "<!--", so none follows the later ones.
    parts.append(html[position:].replace("<!--", "&lt;!--"))
    return "".join(parts)


_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# Elements that play or embed a file: what they show cannot be carried by a text.
_MEDIA_TAGS = {"audio", "video", "source", "object", "embed", "iframe", "canvas", "svg"}


@dataclass
class HtmlContent:
    """What an HTML fragment shows: its text, and what a text cannot carry."""

    text: str
    images: list[str] = field(default_factory=list)  # the src of each <img>
    media: list[str] = field(default_factory=list)  # tags such as "video"
    files: list[str] = field(default_factory=list)  # links to files the HTML does not hold
    dropped_links: list[str] = field(default_factory=list)  # links to no web address


class _TextExtractor(HTMLParser):
    # Tags after which a browser starts a new line.
    _BREAKS = {
        "address", "blockquote", "br", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "li", "ol", "p", "pre", "section", "table", "tr", "ul",
    }  # fmt: skip
    _HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self.content = HtmlContent("")
        self._links: list[tuple[str, int]] = []  # open <a>: (href, where its text starts)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")
        elif tag == "a":
            # A link inside a link closes the first, as browsers do: at most one is open,
            # so that 200 KB of unclosed <a> is read once, not once per link.
            if self._links:
                self._close_link(*self._links.pop())
            self._links.append(((dict(attrs).get("href") or "").strip(), len(self.parts)))
        self._embedded(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")
        self._embedded(tag, attrs)

    def _embedded(self, tag: str, attrs: list) -> None:
        if tag == "img":
            self.content.images.append((dict(attrs).get("src") or "").strip())
        elif tag in _MEDIA_TAGS:
            self.content.media.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BREAKS and tag != "br":
            self.parts.append("\n")
        elif tag == "a" and self._links:
            self._close_link(*self._links.pop())

    def _close_link(self, href: str, start: int) -> None:
        """A link keeps its web address after its words: 「民法典（https://…）」."""
        words = " ".join("".join(self.parts[start:]).split())
        if not href or href.startswith("#"):
            return
        if _WEB_ADDRESS.fullmatch(href):
            if words != href:
                self.parts.append(f"（{href}）" if words else href)
        elif href.lower().startswith(("@@pluginfile@@", "data:", "file:")):
            self.content.files.append(href)
        else:
            self.content.dropped_links.append(words or href)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            # Source line breaks inside HTML are mere spaces; only tags make lines.
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def read_html(html: str) -> HtmlContent:
    """Plain text of an HTML fragment (tags dropped, entities decoded, <p>/<br> as lines,
    links as 「words（https://…）」), with the images, media and file links it shows.

    html.parser rescans to the end of the input for every construct it cannot close (200 KB
    of "<a " took minutes), so comments and declarations go first and every "<" that
    opens nothing is escaped: what reaches the parser is text and closed tags, read once.
    """
    html = _UNCLOSED.sub("&lt;", _DECLARATION.sub("", _without_comments(html)))
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
        if extractor._links:  # an <a> never closed still names its address
            extractor._close_link(*extractor._links.pop())
    except AssertionError:
        # _markupbase asserts on malformed declarations such as "<![x>": keep the text.
        extractor = _TextExtractor()
        extractor.handle_data(unescape(_TAG.sub(" ", html)))
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = (re.sub(r" {2,}", " ", line).strip(" ") for line in text.split("\n"))
    extractor.content.text = "\n".join(line for line in lines if line)
    return extractor.content


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment; see `read_html`."""
    return read_html(html).text


def normalise_stem(text: str) -> str:
    """A stem reduced for duplicate detection and search: NFKC, no tags, one-spaced, lower."""
    text = text or ""
    if _has_markup(text):
        text = html_to_text(text)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def normalise_fill(text: str, rules: FillRules) -> str:
    """A fill-in response or accepted answer as it is compared under `rules`."""
    text = text or ""
    if rules.ignore_width:
        # NFKC first, so that full-width spaces (U+3000) are spaces when trimming.
        text = unicodedata.normalize("NFKC", text)
    if rules.trim:
        text = re.sub(r"\s+", " ", text).strip()
    if rules.ignore_case:
        text = text.casefold()
    return text


def fill_matches(response: str, accepted: list[str], rules: FillRules) -> bool:
    """Whether a response to one blank equals one of its accepted answers under `rules`."""
    given = normalise_fill(response if isinstance(response, str) else "", rules)
    if not given:
        return False
    return any(given == normalise_fill(answer, rules) for answer in accepted)


def answer_signature(draft: QuestionDraft) -> str:
    """The correct answer in a canonical form, for duplicate detection.

    Choice questions compare the texts of their correct options (so a copy with shuffled
    options still matches), judgements "true"/"false", fill-ins their accepted answers
    normalised under the draft's rules, blank by blank.
    """
    if draft.type is QuestionType.TRUE_FALSE:
        return "true" if draft.answer is True else "false"
    if draft.type is QuestionType.FILL:
        blanks = [
            sorted({normalise_fill(answer, draft.fill_rules) for answer in accepted} - {""})
            for accepted in draft.blanks
        ]
        return json.dumps(blanks, ensure_ascii=False)
    correct = draft.answer if isinstance(draft.answer, list) else [draft.answer]
    texts = {option.key: normalise_stem(option.text) for option in draft.options}
    return json.dumps(sorted(texts.get(key, "") for key in correct), ensure_ascii=False)
