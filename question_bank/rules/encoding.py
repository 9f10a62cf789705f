"""Which encoding an uploaded text file is in: said in the preview, never guessed silently.

UTF-8 (with or without BOM) and UTF-16 with a BOM are certain. Anything else is tried as
GB18030 (the superset of GBK and GB2312 that Chinese Windows editors save), and accepted
only when the result reads like Chinese: the Chinese characters it gives are almost all
among the 3,755 everyday ones (GB2312 level 1). A Big5 or Latin-1 file read as GB18030
gives rare characters or none at all, and is refused rather than imported as gibberish.
"""

from collections import Counter

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_EVERYDAY_SHARE = 0.9  # of the Chinese characters, at least this many are everyday ones

UNSURE = (
    "无法确定文件编码：文件不是 UTF-8 编码，按 GB18030（GBK）读取的结果也不像中文。"
    "请在编辑器中“另存为”UTF-8 编码后重新上传"
)


def guessed_note(name: str) -> str:
    """The preview's words for an encoding that was recognised rather than UTF-8."""
    return f"文件编码：{name}（非 UTF-8，已自动识别）"


def _everyday(char: str) -> bool:
    """Whether a Chinese character is among GB2312's level-1 (everyday) characters."""
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


def _is_hanzi(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def reads_like_chinese(text: str) -> bool:
    """Whether text decoded as GB18030 is plausibly what its author wrote."""
    counts = Counter(text)  # each distinct character judged once, however long the file
    if any("\ue000" <= c <= "\uf8ff" or ord(c) > 0xFFFF for c in counts):
        return False  # private-use or supplementary characters: bytes of something else
    hanzi = {c: n for c, n in counts.items() if _is_hanzi(c)}
    if not hanzi:
        return False  # non-ASCII bytes that make no Chinese at all
    everyday = sum(n for c, n in hanzi.items() if _everyday(c))
    return everyday >= _EVERYDAY_SHARE * sum(hanzi.values())


def decode_text(data: bytes) -> tuple[str | None, str | None]:
    """(text, note) of an uploaded text file; (None, reason) when its encoding is unsure.

    The note is None for UTF-8, else the preview's sentence naming the encoding used.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), guessed_note("UTF-16")
        except UnicodeDecodeError:
            return None, UNSURE
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None, UNSURE
    if not reads_like_chinese(text):
        return None, UNSURE
    return text, guessed_note("GB18030")
