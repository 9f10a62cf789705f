"""Certificate numbers (证书编号) in the national format of a social training and evaluation
organisation (社会培训评价组织): one letter, then 21 digits.

    S 000123 13 0001 26 4 000057
    │ │      │  │    │  │ └ serial within the prefix, 6 digits (000001 …)
    │ │      │  │    │  └ level, 1 digit (5 = 五级 … 1 = 一级)
    │ │      │  │    └ year of issue, 2 digits
    │ │      │  └ assessment site (考核点), 4 digits
    │ │      └ province, 2 digits (13 = 河北)
    │ └ organisation code, 6 digits
    └ letter (S: 社会培训评价组织)

Everything but the serial is the number's *prefix*: serials are counted per prefix, so
they start again every year and for every level. The fixed parts (letter, organisation,
province, site) come from the configuration (`CERTIFICATE_NUMBER`); year and level from
what is issued.
"""

import re
from dataclasses import dataclass

SERIAL_DIGITS = 6
MAX_SERIAL = 10**SERIAL_DIGITS - 1
PREFIX_LENGTH = 1 + 6 + 2 + 4 + 2 + 1  # 16: letter and 15 digits
NUMBER_LENGTH = PREFIX_LENGTH + SERIAL_DIGITS  # 22: letter and 21 digits

# ASCII: `\d` would otherwise accept other scripts' digits (e.g. "٣").
_NUMBER = re.compile(r"[A-Z](\d{6})(\d{2})(\d{4})(\d{2})([1-5])(\d{6})", re.ASCII)
_FIXED = {"letter": r"[A-Z]", "organisation": r"\d{6}", "province": r"\d{2}", "site": r"\d{4}"}


@dataclass(frozen=True)
class NumberParts:
    """The parts of a certificate number."""

    letter: str
    organisation: str
    province: str
    site: str
    year: int  # two digits: 2026 → 26
    level: int
    serial: int


def check_settings(settings: dict) -> dict[str, str]:
    """The fixed parts of `settings` (`CERTIFICATE_NUMBER`), checked: raises ValueError."""
    checked = {}
    for key, pattern in _FIXED.items():
        value = str(settings.get(key, ""))
        if not re.fullmatch(pattern, value, re.ASCII):
            raise ValueError(f"CERTIFICATE_NUMBER[{key!r}] should match {pattern}, not {value!r}")
        checked[key] = value
    return checked


def prefix(settings: dict, year: int, level: int) -> str:
    """The number's prefix (all but the serial) for `year` (e.g. 2026) and `level` (1–5)."""
    if not 1 <= level <= 5:
        raise ValueError(f"level {level} is not 1 to 5")
    if not 2000 <= year <= 2099:
        raise ValueError(f"year {year} is not 2000 to 2099")
    fixed = check_settings(settings)
    return (
        f"{fixed['letter']}{fixed['organisation']}{fixed['province']}{fixed['site']}"
        f"{year % 100:02d}{level}"
    )


def number(prefix_: str, serial: int) -> str:
    """The number of `serial` (1 … 999999) under `prefix_`."""
    if len(prefix_) != PREFIX_LENGTH:
        raise ValueError(f"prefix {prefix_!r} is not {PREFIX_LENGTH} characters")
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial {serial} is not 1 to {MAX_SERIAL}")
    return f"{prefix_}{serial:0{SERIAL_DIGITS}d}"


def numbers(prefix_: str, last_before: int, count: int) -> list[str]:
    """The `count` numbers after serial `last_before` under `prefix_`, in order."""
    if last_before + count > MAX_SERIAL:
        raise ValueError(f"serials of {prefix_} would pass {MAX_SERIAL}")
    return [number(prefix_, serial) for serial in range(last_before + 1, last_before + count + 1)]


def is_well_formed(value: str) -> bool:
    """Whether `value` is one capital letter then 21 digits, with a level of 1 to 5 and a
    serial above zero (what a number this platform issues looks like)."""
    return parse(value) is not None


def parse(value: str) -> NumberParts | None:
    """The parts of a well-formed number, or None."""
    if not isinstance(value, str):
        return None
    match = _NUMBER.fullmatch(value)
    if match is None:
        return None
    organisation, province, site, year, level, serial = match.groups()
    if int(serial) == 0:
        return None
    return NumberParts(
        letter=value[0],
        organisation=organisation,
        province=province,
        site=site,
        year=int(year),
        level=int(level),
        serial=int(serial),
    )
