"""The figures behind the charts of 持证上岗率 (certified-on-duty rate), as chart specs.

A chart spec is what `static/reports/charts.js` draws and `pdf_report` renders with
matplotlib: `{"kind", "title", "categories", "series": [{"name", "data"}], "unit"}`, rates
as fractions (the table's `"0.2500"` is 0.25) and None where a figure has no denominator.
The numbers are those of `app.reports.rates` (the report's own table), never recomputed.
"""

import importlib
from datetime import date
from decimal import Decimal

from app.errors import Invalid

GROUP_LABELS = {"region": "地区", "enterprise": "企业", "post": "岗位"}
EARLIEST_MONTH = date(2000, 1, 1)
MAX_MONTHS = 120

# Used when the rules module does not (yet) spell the definition out.
_FALLBACK_DEFINITION = (
    "持证上岗率 = 统计日在岗且持有与岗位相关的有效证书的人数 ÷ 统计日在岗人数。"
    "在岗：入职日不晚于统计日且统计日前未离职；有效：发证日不晚于统计日、未过期且统计日前未被撤销。"
    "岗位为“其他”的人员不计入分子和分母。"
)


def rates():
    """The rate service (`app.reports.rates`): rate_table, rate_series, uncertified."""
    return importlib.import_module("app.reports.rates")


def definition() -> str:
    """The definition written on every page, PDF and export (from the rate rules)."""
    try:
        rules = importlib.import_module("app.reports.rules.rates")
    except ImportError:
        return _FALLBACK_DEFINITION
    for name in ("DEFINITION", "DEFINITION_TEXT", "definition_text"):
        value = getattr(rules, name, None)
        if callable(value):
            value = value()
        if isinstance(value, str) and value:
            return value
    return _FALLBACK_DEFINITION


def as_fraction(rate) -> float | None:
    """A rate as the table gives it ("0.2500", a Decimal, or None) as a number to draw."""
    return None if rate is None else float(rate)


def _total(table):
    return table.total


def month_start(text: str | None, default: date) -> date:
    """'YYYY-MM' as the first day of that month; a clear Chinese error when it is not one."""
    if not text:
        return default
    try:
        year, month = (int(part) for part in text.split("-"))
        value = date(year, month, 1)
    except (ValueError, TypeError):
        raise Invalid(f"月份格式应为 YYYY-MM：{text[:20]}") from None
    if not EARLIEST_MONTH <= value <= date(2100, 12, 1):
        raise Invalid("月份须在 2000-01 至 2100-12 之间")
    return value


def shift_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The months asked for (default: the twelve months up to this one), checked."""
    last = month_start(end, today.replace(day=1))
    first = month_start(start, shift_months(last, -11))
    if first > last:
        raise Invalid("起始月份不能晚于结束月份")
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise Invalid(f"一次最多显示 {MAX_MONTHS} 个月")
    return first, last


def trend_chart(series, title: str = "持证上岗率（按月）") -> dict:
    """The rate month by month: `series` is rate_series' [(month end, RateTable)], with the
    scope's target (the region's, where one is set) as a line."""
    target = getattr(_total(series[-1][1]), "target", None) if series else None
    return {
        "kind": "line",
        "title": title,
        "category_label": "月份",
        "categories": [day.strftime("%Y-%m") for day, _ in series],
        "series": [
            {"name": "持证上岗率", "data": [as_fraction(_total(t).rate) for _, t in series]}
        ],
        "counts": [
            {"on_duty": _total(t).on_duty, "certified": _total(t).certified} for _, t in series
        ],
        "unit": "rate",
        "target": as_fraction(target),
    }


def comparison_chart(table, group_by: str, title: str | None = None) -> dict:
    """One bar per row of a rate table (regions, enterprises or posts), in the table's order."""
    label = GROUP_LABELS.get(group_by, "")
    series = [{"name": "持证上岗率", "data": [as_fraction(row.rate) for row in table.rows]}]
    targets = [as_fraction(getattr(row, "target", None)) for row in table.rows]
    if any(value is not None for value in targets):
        series.append({"name": "目标", "data": targets})  # each region's own target
    return {
        "kind": "bar",
        "title": title or f"持证上岗率（按{label}）",
        "category_label": label,
        "categories": [row.name for row in table.rows],
        "series": series,
        "counts": [{"on_duty": row.on_duty, "certified": row.certified} for row in table.rows],
        "unit": "rate",
        "target": None,
    }


def table_body(table) -> dict:
    """A rate table as JSON (the figures a chart was drawn from)."""

    def rate(value):
        return None if value is None else f"{Decimal(value):.4f}"

    return {
        "rows": [
            {
                "key": row.key,
                "name": row.name,
                "on_duty": row.on_duty,
                "certified": row.certified,
                "rate": rate(row.rate),
            }
            for row in table.rows
        ],
        "total": {
            "on_duty": table.total.on_duty,
            "certified": table.total.certified,
            "rate": rate(table.total.rate),
        },
    }
