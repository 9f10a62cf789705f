"""The certified-on-duty rate (持证上岗率): its definition, defaults and arithmetic.

Pure: dates are passed in, nothing is read from a database. The SQL that counts on-duty and
certified employees (`app.reports.rates`) follows the same predicates as the functions here,
and the unit tests hold both to the hand-computed cases.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.orgs.rules.posts import Post

# 持证上岗率 — written on every page and export that shows the rate.
DEFINITION = (
    "持证上岗率 = 统计日在岗且持有与本岗位相关的有效证书的从业人员数 ÷ 统计日在岗从业人员数。"
    "在岗：入职日期不晚于统计日，且未在统计日当天或之前离职。"
    "有效证书：发证日期不晚于统计日，未过有效期（长期有效，或有效期至晚于统计日），"
    "且未在统计日当天或之前被撤销；本平台颁发的证书与登记的其他机构证书同等计入。"
    "岗位为“其他”的人员不计入分子和分母。"
)

# Which occupations' certificates count for which post (PRODUCT.md); the provincial admin
# may change it on the settings page. 其他 is in neither the numerator nor the denominator.
DEFAULT_POST_OCCUPATIONS: dict[Post, tuple[str, ...]] = {
    Post.PROJECT_MANAGER: ("物业管理员", "物业管理师"),
    Post.SECURITY: ("保安员",),
    Post.CLEANING: ("保洁员",),
    Post.GREENING: ("绿化工", "园林绿化工"),
    Post.MAINTENANCE: (
        "电工",
        "维修电工",
        "电梯安装维修工",
        "制冷空调系统安装维修工",
        "消防设施操作员",
    ),
    Post.CUSTOMER_SERVICE: ("物业管理员", "呼叫中心服务员"),
}


def occupation_named_in(certificate_name: str) -> str:
    """The occupation a certificate's name states, for one recorded without it: the longest
    occupation of the default settings inside the name (保安员证 → 保安员, 特种作业操作证（低压电工
    作业） → 电工, 绿化工（四级）职业技能等级证书 → 绿化工), else the name itself."""
    known = sorted({o for names in DEFAULT_POST_OCCUPATIONS.values() for o in names}, key=len)
    for occupation in reversed(known):
        if occupation in certificate_name:
            return occupation
    return certificate_name[:OCCUPATION_MAX]


COUNTED_POSTS: tuple[Post, ...] = tuple(p for p in Post if p is not Post.OTHER)

# Dates a report may be asked for.
EARLIEST_AS_OF = date(2000, 1, 1)
LATEST_AS_OF = date(2100, 12, 31)
MAX_SERIES_MONTHS = 120
OCCUPATION_MAX = 64
MAX_OCCUPATIONS_PER_POST = 20

_FOUR_PLACES = Decimal("0.0001")


def on_duty(started_on: date, ended_on: date | None, day: date) -> bool:
    """Whether a duty period covers `day`: joined on or before it, not left on or before it."""
    return started_on <= day and (ended_on is None or ended_on > day)


def certificate_valid(
    issued_on: date, expires_on: date | None, revoked_on: date | None, day: date
) -> bool:
    """Issued on or before `day`, not expired (no end, or an end after it), not revoked by it."""
    return (
        issued_on <= day
        and (expires_on is None or expires_on > day)
        and (revoked_on is None or revoked_on > day)
    )


def relevant(post: str, occupation: str, mapping: dict[str, tuple[str, ...]]) -> bool:
    """Whether a certificate of `occupation` counts for someone in `post`."""
    return post != Post.OTHER.value and occupation in mapping.get(post, ())


def rate(certified: int, on_duty_count: int) -> Decimal | None:
    """certified / on duty, to four places (half up); None when nobody is on duty."""
    if on_duty_count <= 0:
        return None
    return (Decimal(certified) / Decimal(on_duty_count)).quantize(_FOUR_PLACES, ROUND_HALF_UP)


def format_rate(value: Decimal | None) -> str | None:
    """The API's form of a rate: `"0.2500"`, or None."""
    return None if value is None else f"{value:.4f}"


def format_percent(value: Decimal | None) -> str:
    """A rate as a page shows it: `"25.00%"`, or `"—"`."""
    return "—" if value is None else f"{value * 100:.2f}%"


def rate_from_basis_points(points: int | None) -> Decimal | None:
    """A target stored as basis points (8000) as a rate (0.8000)."""
    return None if points is None else (Decimal(points) / 10000).quantize(_FOUR_PLACES)


def parse_target(text: str) -> int | None:
    """A target typed as a percentage ("80", "80.5%") or a rate ("0.8") in basis points.

    Blank → None (no target). Raises ValueError with a Chinese message otherwise.
    """
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ValueError("目标值应为 0–100 之间的百分数") from None
    if not value.is_finite():
        raise ValueError("目标值应为 0–100 之间的百分数")
    if value <= 1 and "." in text and value != 1:
        value *= 100  # 0.8 means 80 %
    if value < 0 or value > 100:
        raise ValueError("目标值应为 0–100 之间的百分数")
    return int((value * 100).quantize(Decimal(1), ROUND_HALF_UP))


def below_target(value: Decimal | None, target: Decimal | None) -> bool:
    """Whether a rate falls short of its target (no rate or no target: no mark)."""
    return value is not None and target is not None and value < target


def parse_occupations(text: str) -> list[str]:
    """Occupations typed one per line or separated by commas/顿号; blanks dropped, order kept.

    Raises ValueError (Chinese) when one is too long or there are too many.
    """
    for separator in ("，", ",", "、", "；", ";"):
        text = text.replace(separator, "\n")
    names: list[str] = []
    for line in text.splitlines():
        name = "".join(line.split())
        if not name or name in names:
            continue
        if len(name) > OCCUPATION_MAX:
            raise ValueError(f"职业名称不能超过 {OCCUPATION_MAX} 个字：{name[:20]}…")
        names.append(name)
    if len(names) > MAX_OCCUPATIONS_PER_POST:
        raise ValueError(f"每个岗位最多 {MAX_OCCUPATIONS_PER_POST} 个职业")
    return names


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def series_dates(start: date, end: date, today: date) -> list[date]:
    """The dates of a monthly series from `start`'s month to `end`'s month: each month's
    last day, or `today` for the current month; months after today are left out."""
    if end < start:
        raise ValueError("结束月份不能早于开始月份")
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months > MAX_SERIES_MONTHS:
        raise ValueError(f"一次最多统计 {MAX_SERIES_MONTHS} 个月")
    dates = []
    year, month = start.year, start.month
    for _ in range(months):
        last = month_end(year, month)
        if (year, month) == (today.year, today.month):
            dates.append(today)
        elif last < today:
            dates.append(last)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return dates


@dataclass(frozen=True)
class Counts:
    """On-duty and certified employees of one group."""

    on_duty: int
    certified: int

    @property
    def rate(self) -> Decimal | None:
        return rate(self.certified, self.on_duty)
