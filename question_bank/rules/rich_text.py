"""The texts of imported questions (HTML, Markdown or plain) read into the bank's plain text.

The bank stores plain text. What an author wrote in HTML or Markdown keeps its meaning:
emphasis becomes plain words, a link keeps its web address after its words, one image of
the stem embedded in the file is kept as the stem image, and what cannot be kept (media,
images the file only refers to, links to files it does not hold) makes the question
`Unkeepable` rather than silently different. Answer-level feedback is gathered for the
explanation; what is dropped is noted for the preview.

Markdown is rendered by a function the caller passes in (the app's safe renderer), so that
this module stays standard library only.
"""

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import unquote

from question_bank.rules.types import MAX_EXPLANATION, StemImage, looks_like_html, read_html

Markdown = Callable[[str], str]  # Markdown source → HTML

# Formats as GIFT ([html], [moodle]…) and Moodle XML (format="…") name them.
_FORMATS = {
    "html": "html",
    "markdown": "markdown",
    "plain": "plain",
    "plain_text": "plain",
    "moodle": "auto",
    "moodle_auto_format": "auto",
}
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|gif|webp);base64,", re.IGNORECASE)
_PLUGINFILE = "@@PLUGINFILE@@"
FEEDBACK_HEADING = "答案反馈："


class Unkeepable(Exception):
    """Something a question shows that the bank cannot keep; the message says what."""


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def percent(weight: Decimal) -> str:
    """A Moodle weight as people write it: 50, 33.33333."""
    return format(weight.normalize(), "f")


@dataclass
class TextReader:
    """Reads the texts of one question; collects its stem image, feedback and notes."""

    markdown: Markdown | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # embedded files by "/path/name"
    image: StemImage | None = None
    notes: list[str] = field(default_factory=list)
    feedback: list[tuple[str, str]] = field(default_factory=list)  # (when, feedback)

    def read(self, raw: str, text_format: str, what: str, *, stem: bool = False) -> str:
        """Plain text of `raw` written in `text_format` (GIFT's or Moodle's name for it)."""
        kind = _FORMATS.get(text_format, "plain")
        if kind == "auto":
            kind = "html" if looks_like_html(raw) else "plain"
        if kind == "markdown":
            if self.markdown is None:
                return raw.strip()
            kind, raw = "html", self.markdown(raw)
        if kind == "plain":
            return raw.strip()
        content = read_html(raw)
        if content.media:
            raise Unkeepable(f"{what}含有音频、视频等媒体（<{content.media[0]}>），本系统无法保存")
        if content.files:
            name = _file_name(content.files[0])
            raise Unkeepable(f"{what}链接的文件“{name}”没有随文件导出，无法保存")
        if content.images:
            if not stem:
                raise Unkeepable(f"{what}含有图片，本系统只能保存题干中的一张图片")
            if len(content.images) > 1 or self.image is not None:
                raise Unkeepable(f"题干含有 {len(content.images)} 张图片，本系统每道题只能保存一张")
            self.image = self._image(content.images[0])
        for words in content.dropped_links:
            self.notes.append(f"{what}中的链接“{_clip(words)}”不是网页地址，只保留了文字")
        return content.text

    def _image(self, src: str) -> StemImage:
        if match := _DATA_IMAGE.match(src):
            data = _base64(src[match.end() :])
            if data is None:
                raise Unkeepable("题干图片（data: 地址）内容已损坏，无法保存")
            return StemImage("题干图片", data)
        if re.match(r"https?://", src, re.IGNORECASE):
            raise Unkeepable(f"题干图片来自外部地址（{_clip(src, 60)}），本系统不下载外部图片")
        name = _file_name(src) or "（无文件名）"
        data = None
        if src.startswith(_PLUGINFILE):
            data = self.files.get(unquote(src[len(_PLUGINFILE) :]).split("?", 1)[0])
        if data is None:
            raise Unkeepable(f"题干图片“{name}”不在文件中（文件只引用了它），无法保存")
        return StemImage(name, data)

    def add_feedback(self, when: str, raw: str, text_format: str) -> None:
        """Keep one answer's feedback for the explanation; `when` says when it shows
        (「选“甲”时」, 「答错时」)."""
        try:
            text = self.read(raw, text_format, "答案反馈")
        except Unkeepable:
            self.notes.append(f"{when}的反馈含有图片或媒体，未导入")
            return
        if text:
            self.feedback.append((when, text))

    def explanation_with_feedback(self, explanation: str) -> str:
        """The explanation followed by the answers' feedback, when it fits the bank."""
        if not self.feedback:
            return explanation
        grouped: dict[str, list[str]] = {}  # the same feedback for several answers: one line
        for when, text in self.feedback:
            grouped.setdefault(text, []).append(when)
        lines = [f"{'；'.join(whens)}：{text}" for text, whens in grouped.items()]
        merged = "\n".join([*([explanation] if explanation else []), FEEDBACK_HEADING, *lines])
        if len(merged) > MAX_EXPLANATION:
            self.notes.append(f"答案反馈未导入：并入解析将超过 {MAX_EXPLANATION} 字")
            return explanation
        self.notes.append("答案反馈已并入解析")
        return merged


def _file_name(src: str) -> str:
    return _clip(unquote(src.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]))


def _base64(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def embedded_files(elements) -> dict[str, bytes]:
    """{"/path/name": bytes} of Moodle XML <file> elements (base64), the broken ones left out."""
    files: dict[str, bytes] = {}
    for element in elements:
        name = (element.get("name") or "").strip()
        if not name or (element.get("encoding") or "base64").lower() != "base64":
            continue
        path = (element.get("path") or "/").strip() or "/"
        data = _base64(element.text or "")
        if data is not None:
            files[path.rstrip("/") + "/" + name] = data
    return files
