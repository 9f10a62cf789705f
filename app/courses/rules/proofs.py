"""Rules of the proof of training (培训证明): its number and the holder's name as shown.

A number is "PX", the year of issue, the proof's id on 8 digits and 4 random digits, e.g.
PX2026000000127391 (18 characters): ordered by issue, and not guessable from a neighbour's
(the public verification page answers only exact numbers, rate-limited).
"""

import re
import unicodedata
from datetime import date
from urllib.parse import quote

NUMBER = re.compile(r"^PX\d{4}\d{8}\d{4}$")


def proof_number(issued_on: date, proof_id: int, random_digits: int) -> str:
    """The number of the proof `proof_id` issued on `issued_on` (`random_digits` < 10000)."""
    if not 0 < proof_id < 10**8 or not 0 <= random_digits < 10**4:
        raise ValueError("proof id or random digits out of range")
    return f"PX{issued_on.year:04d}{proof_id:08d}{random_digits:04d}"


def is_well_formed(number: str) -> bool:
    """Whether `number` has the shape of a proof number (says nothing of its existence)."""
    return bool(NUMBER.match(number or ""))


def mask_name(name: str) -> str:
    """A name partly hidden: 王五 → 王*, 张小三 → 张*三, 欧阳明月 → 欧**月."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# Chinese line-breaking rules (禁则, as GB/T 15834 and W3C's clreq describe them): a line
# never starts with closing punctuation and never ends with opening punctuation.
NO_LINE_START = set("，。、；：？！）》」』】〕〉〗”’…％‰,.;:?!)]}%·")
NO_LINE_END = set("（《「『【〔〈〖“‘([{")
_WORD = re.compile(r"[A-Za-z0-9_./:%#?=&+@~-]+|\s|.", re.S)
MAX_PUSHED = 3  # tokens moved down to keep a rule before letting a line run long


def char_width(ch: str) -> float:
    """A character's advance in em: 1 for CJK (wide) characters, 0.6 for the rest."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6


def _width(tokens) -> float:
    return sum(char_width(ch) for token in tokens for ch in token)


def _tokens(text: str, width: float) -> list[str]:
    """Unbreakable pieces: a Latin word or number, a space, a single other character;
    a word longer than a line is cut into pieces that fit."""
    out = []
    for token in _WORD.findall(text):
        while _width([token]) > width and len(token) > 1:
            cut = max(1, int(width / 0.6))
            out.append(token[:cut])
            token = token[cut:]
        out.append(token)
    return out


def _breaks_a_rule(line: list[str], rest: list[str]) -> bool:
    return bool(rest and rest[0][0] in NO_LINE_START) or bool(line and line[-1][-1] in NO_LINE_END)


def wrap_cjk(text: str, width: float) -> list[str]:
    """`text` cut into lines at most `width` em wide, keeping the Chinese line-breaking
    rules: punctuation that may not open a line takes the character before it along
    (推出), and opening punctuation moves down with the word it opens."""
    lines: list[str] = []
    line: list[str] = []
    for token in _tokens(text, width):
        if line and _width(line) + _width([token]) > width:
            rest = [token]
            moved = []
            while _breaks_a_rule(line, rest) and len(moved) < MAX_PUSHED and len(line) > 1:
                moved.insert(0, line.pop())
                rest = moved + [token]
            if _breaks_a_rule(line, rest):  # cannot be kept: let the punctuation hang
                line.extend(moved)
                moved = []
                if token[0] in NO_LINE_START:
                    line.append(token)
                    continue
            lines.append("".join(line).rstrip())
            line = [t for t in moved if not (t.isspace() and t is moved[0])]
        if token.isspace() and not line:
            continue  # no line starts with a space
        line.append(token)
    if line:
        lines.append("".join(line).rstrip())
    return lines


def content_disposition(holder_name: str, issued_on: date, number: str) -> str:
    """`inline` with the file named after the person and the date: 「培训证明-张三-2026-12-04.pdf」
    as RFC 5987 `filename*`, and an ASCII `filename` for clients that know only that."""
    name = re.sub(r'[\\/:*?"<>|\s]+', "", holder_name or "") or "学员"
    utf8 = f"培训证明-{name}-{issued_on.isoformat()}.pdf"
    ascii_name = f"training-proof-{number}-{issued_on.isoformat()}.pdf"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8, safe='')}"
