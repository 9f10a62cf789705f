"""Who may register for a certification batch (报考条件): pure rules, standard library only.

A batch may ask for either or both of:

- `years_at_lower_level`: the candidate has held a certificate of the batch's occupation one
  level below (e.g. 四级 for a 三级 batch) for N full years on the day of registration. It
  counts this platform's certificates (same occupation, level one below, not revoked) and
  the certificates the roster records from other issuers, recognised by their name (the
  occupation and the level both named in it: "物业管理员四级", "物业管理员（中级工）").
  An expired or revoked certificate is no longer held.
- `years_in_post`: the candidate has been on duty N years in all (every duty period on every
  roster the person is on, overlaps counted once; a year is 365 days), in a post the
  occupation fits (`OCCUPATION_POSTS`; an occupation not listed there fits every post).

Either suffices when both are set; with neither, anyone on duty may register.
"""

import re
from dataclasses import dataclass
from datetime import date

# The posts (roster values of `app.orgs.rules.posts.Post`) each occupation fits: the
# association's defaults for 持证上岗率 (PRODUCT.md), read the other way round.
OCCUPATION_POSTS: dict[str, frozenset[str]] = {
    "物业管理员": frozenset({"project_manager", "customer_service"}),
    "物业管理师": frozenset({"project_manager"}),
    "保安员": frozenset({"security"}),
    "保洁员": frozenset({"cleaning"}),
    "绿化工": frozenset({"greening"}),
    "园林绿化工": frozenset({"greening"}),
    "电工": frozenset({"maintenance"}),
    "维修电工": frozenset({"maintenance"}),
    "电梯安装维修工": frozenset({"maintenance"}),
    "制冷空调系统安装维修工": frozenset({"maintenance"}),
    "消防设施操作员": frozenset({"maintenance"}),
    "呼叫中心服务员": frozenset({"customer_service"}),
}

DAYS_PER_YEAR = 365

# How certificate names spell the levels, the longest (most specific) first: 高级技师
# before 技师, 高级工 before the bare 高级.
_LEVEL_WORDS: list[tuple[str, int]] = [
    ("高级技师", 1),
    ("一级", 1),
    ("二级", 2),
    ("技师", 2),
    ("三级", 3),
    ("高级工", 3),
    ("四级", 4),
    ("中级工", 4),
    ("中级", 4),
    ("五级", 5),
    ("初级工", 5),
    ("初级", 5),
    ("高级", 3),
]
_LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
_ARABIC = re.compile(r"([1-5])\s*级")


@dataclass(frozen=True)
class Requirement:
    """What a batch asks of its candidates."""

    occupation: str
    level: int  # 5 = 五级 … 1 = 一级
    years_at_lower_level: int | None = None
    years_in_post: int | None = None


@dataclass(frozen=True)
class HeldCertificate:
    """A certificate the person holds: `occupation` and `level` known (ours), or `name` only
    (another issuer's, as the roster recorded it)."""

    issued_on: date
    occupation: str = ""
    level: int | None = None
    name: str = ""
    expires_on: date | None = None
    revoked_on: date | None = None


@dataclass(frozen=True)
class DutySpell:
    """One duty period: from `started_on` to the day before `ended_on` (None: still on duty)."""

    started_on: date
    ended_on: date | None = None


def level_in_name(name: str, occupation: str) -> int | None:
    """The level a certificate's name gives for `occupation`, or None when the name does not
    name that occupation and a level."""
    text = re.sub(r"\s+", "", name or "")
    if not occupation or occupation not in text:
        return None
    rest = text.replace(occupation, " ", 1)
    if match := _ARABIC.search(rest):
        return int(match[1])
    for word, level in _LEVEL_WORDS:
        if word in rest:
            return level
    return None


def add_years(day: date, years: int) -> date:
    """`day` plus whole years (29 February goes to 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _holds(cert: HeldCertificate, today: date) -> bool:
    if cert.issued_on > today:
        return False
    if cert.revoked_on is not None and cert.revoked_on <= today:
        return False
    return cert.expires_on is None or cert.expires_on > today


def lower_level_since(
    certificates: list[HeldCertificate], occupation: str, level: int, today: date
) -> date | None:
    """The earliest issue date of a certificate held today of `occupation` one level below
    `level`, or None."""
    below = level + 1
    dates = []
    for cert in certificates:
        if not _holds(cert, today):
            continue
        if cert.level is not None and cert.occupation:
            found = cert.level if cert.occupation == occupation else None
        else:
            found = level_in_name(cert.name, occupation)
        if found == below:
            dates.append(cert.issued_on)
    return min(dates, default=None)


def duty_days(spells: list[DutySpell], today: date) -> int:
    """Days on duty up to `today` (exclusive) over all spells, overlaps counted once."""
    ranges = sorted(
        (s.started_on, min(s.ended_on or today, today))
        for s in spells
        if s.started_on < min(s.ended_on or today, today)
    )
    total, reach = 0, None
    for start, end in ranges:
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += (end - start).days
            reach = end if reach is None else max(reach, end)
    return total


def post_fits(occupation: str, post: str) -> bool:
    """Whether a post counts as working in the occupation (any post for an occupation not
    in `OCCUPATION_POSTS`)."""
    posts = OCCUPATION_POSTS.get(occupation)
    return posts is None or post in posts


def _years_text(days: int) -> str:
    years, rest = divmod(days, DAYS_PER_YEAR)
    months = rest * 12 // DAYS_PER_YEAR
    if years and months:
        return f"{years} 年 {months} 个月"
    if years:
        return f"{years} 年"
    return f"{months} 个月"


def describe(requirement: Requirement) -> str:
    """The requirement in a sentence, as the batch page shows it."""
    parts = []
    if requirement.years_at_lower_level:
        parts.append(
            f"取得本职业{_LEVEL_NAMES.get(requirement.level + 1, '')}证书满"
            f" {requirement.years_at_lower_level} 年"
        )
    if requirement.years_in_post:
        parts.append(f"累计从事本职业工作满 {requirement.years_in_post} 年")
    if not parts:
        return "在职人员均可报名"
    return "，或".join(parts)


def problem(
    requirement: Requirement,
    *,
    certificates: list[HeldCertificate],
    spells: list[DutySpell],
    post: str,
    today: date,
) -> str | None:
    """Why the person does not meet `requirement` on `today` (Chinese), or None."""
    wants_cert = requirement.years_at_lower_level
    wants_post = requirement.years_in_post
    if not wants_cert and not wants_post:
        return None
    reasons = []
    if wants_cert:
        lower = _LEVEL_NAMES.get(requirement.level + 1)
        since = (
            lower_level_since(certificates, requirement.occupation, requirement.level, today)
            if lower
            else None
        )
        if since is None:
            reasons.append(f"未查到本职业（{requirement.occupation}）{lower or '下一级'}证书")
        elif add_years(since, wants_cert) <= today:
            return None
        else:
            reasons.append(f"{lower}证书取得于 {since.isoformat()}，不满 {wants_cert} 年")
    if wants_post:
        if not post_fits(requirement.occupation, post):
            reasons.append("现岗位与本职业不对应")
        else:
            days = duty_days(spells, today)
            if days >= wants_post * DAYS_PER_YEAR:
                return None
            reasons.append(f"累计在岗 {_years_text(days)}，不满 {wants_post} 年")
    return f"不符合报考条件（{describe(requirement)}）：" + "；".join(reasons)
