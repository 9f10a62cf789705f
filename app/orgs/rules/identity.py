"""Checks for resident identity numbers, unified social credit codes and mobile numbers."""

import operator
import re
import unicodedata
from datetime import date

# --- resident identity number (公民身份号码, GB 11643-1999) ---------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

# Mainland provinces plus 71 (Taiwan), 81 (Hong Kong), 82 (Macau) and 83, which
# residence permits for Taiwan residents use.
PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55)]
    + [*range(61, 66), 71, 81, 82, 83]
)


def _strip_invisible(text: str) -> str:
    text = "".join(text.split())
    if text.isascii():
        return text
    # Cells pasted from web pages or WeChat often carry zero-width spaces or a BOM
    # (category Cf), which look like nothing but would fail every check.
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def normalise_id_number(raw: object) -> str:
    """The identity number as typed, in half-width characters without spaces, X upper-case."""
    if raw is None:
        return ""
    return _strip_invisible(unicodedata.normalize("NFKC", str(raw))).upper()


def id_number_check_char(first17: str) -> str:
    """The check character (0-9 or X) that completes 17 digits under ISO 7064 MOD 11-2."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("需要 17 位数字")
    total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def _birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_number_problem(value: str, today: date) -> str | None:
    """None for a valid, already normalised 18-character identity number, else why not."""
    if not value:
        return "身份证号不能为空"
    if len(value) == 15 and value.isascii() and value.isdigit():
        return "这是 15 位旧身份证号，请填写 18 位身份证号"
    if len(value) != 18:
        return f"身份证号应为 18 位，当前为 {len(value)} 位"
    if not _ID_SHAPE.fullmatch(value):
        return "身份证号含有无效字符：前 17 位须为数字，最后一位为数字或 X"
    if int(value[:2]) not in PROVINCE_CODES:
        return f"身份证号前两位“{value[:2]}”不是有效的省级行政区划代码"
    born = _birth_date(value)
    if born is None or born.year < 1900:
        return f"身份证号中的出生日期“{value[6:14]}”无效"
    if born > today:
        return f"身份证号中的出生日期“{value[6:14]}”晚于今天"
    if id_number_check_char(value[:17]) != value[17]:
        return "身份证号校验位错误，请核对是否有数字录错"
    return None


def mask_id_number(value: str) -> str:
    """The identity number with only the first 6 and last 4 characters visible."""
    value = str(value)
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# --- what a duplicate check may say ----------------------------------------------------

ON_ROSTER = "on_roster"  # this very number is on the roster
SAME_MASK = "same_mask"  # someone on the roster has the same masked number

# Answers to a caller who may not see full numbers: they depend on the masked number only.
SAME_MASK_MESSAGE = (
    "本企业花名册中已有身份证号脱敏后相同（{masked}）的人员，无法确认是否为同一人；"
    "请由企业管理员或省协会核对后录入"
)


def roster_clash(*, may_see_full_number: bool, same_number: bool, same_mask: bool) -> str | None:
    """What a duplicate check may tell a caller about an identity number and a roster.

    Only a caller who may see the full numbers of the roster's enterprise learns that this
    very number is on it (`ON_ROSTER`). Anyone else is answered from the masked number, which
    they see on the roster anyway: a person with the same masked number refuses the number
    (`SAME_MASK`) whether or not it is the same full number, so trying the ~1,800 birth dates
    a mask hides gives the same answer for each. `same_number` implies `same_mask`.
    """
    if may_see_full_number:
        return ON_ROSTER if same_number else None
    return SAME_MASK if same_mask or same_number else None


def birth_date_from_id(value: str) -> date:
    """The date of birth encoded in a valid 18-character identity number."""
    born = _birth_date(value) if len(value) == 18 else None
    if born is None:
        raise ValueError(f"身份证号中的出生日期无效：{value}")
    return born


# --- unified social credit code (统一社会信用代码, GB 32100-2015) ----------------------

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_credit_code(raw: object) -> str:
    """The credit code in half-width upper-case characters without spaces."""
    if raw is None:
        return ""
    return _strip_invisible(unicodedata.normalize("NFKC", str(raw))).upper()


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are given."""
    if len(first17) != 17 or any(ch not in _CREDIT_VALUES for ch in first17):
        raise ValueError("需要 17 个统一社会信用代码字符")
    total = sum(
        _CREDIT_VALUES[ch] * weight for ch, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """None for a valid, already normalised unified social credit code, else why not."""
    if not value:
        return "统一社会信用代码不能为空"
    if len(value) != 18:
        return f"统一社会信用代码应为 18 位，当前为 {len(value)} 位"
    bad = sorted({ch for ch in value if ch not in _CREDIT_VALUES})
    if bad:
        return (
            f"统一社会信用代码含有无效字符“{''.join(bad)}”"
            "（只能是数字和大写字母，且不含 I、O、S、V、Z）"
        )
    if not value[2:8].isdigit():
        return "统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）"
    # Positions 9-17 embed an organisation code with its own GB 11714 check digit; it is
    # deliberately not verified because many codes in real use do not satisfy it.
    if credit_code_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验位错误，请核对是否有字符录错"
    return None


# --- mobile phone number ---------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_JUNK = re.compile(r"[\s\-]")


def normalise_phone(raw: object) -> str:
    """The phone number without spaces, dashes or a +86 prefix; numeric cells become digits."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        # Excel keeps an 11-digit number exactly, so a numeric cell loses nothing.
        raw = int(raw)
    text = _strip_invisible(_PHONE_JUNK.sub("", unicodedata.normalize("NFKC", str(raw))))
    for prefix in ("+86", "0086", "86"):
        rest = text.removeprefix(prefix)
        if rest != text and len(rest) == 11 and rest.isdigit():
            return rest
    return text


def phone_problem(value: str) -> str | None:
    """None for a valid, already normalised mainland mobile number, else why not."""
    if not value:
        return "手机号不能为空"
    if not _MOBILE.fullmatch(value):
        return "手机号格式不正确，应为 11 位中国大陆手机号码"
    return None
