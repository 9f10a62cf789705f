"""The association's other reports (统计报表), contributed by the packages that own the data.

The core imports no domain package, so each package registers its report here from its
`init_app` (`register(ReportProvider(...))`); the report pages, charts and Excel exports in
`chart_views` only know this registry. A provider's `build(user, year)` answers a
`ReportTable` already limited to what `user` may see (the package applies its own scope).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from fractions import Fraction

from app.roles import ADMIN_ROLES, Role
from app.timeutil import LOCAL_TZ


@dataclass(frozen=True)
class Column:
    """One column of a report: `kind` is text, count, rate (a "0.2500" string) or hours."""

    key: str
    label: str
    kind: str = "text"


@dataclass
class ReportTable:
    """What a report shows: its rows (dicts keyed by the columns' keys) and its chart."""

    columns: list[Column]
    rows: list[dict]
    chart: dict
    note: str = ""
    total: dict | None = None


@dataclass(frozen=True)
class ReportProvider:
    """A report: `key` names it in URLs, `build(user, year)` makes its table."""

    key: str
    title: str
    description: str
    build: Callable[..., ReportTable]
    roles: frozenset = field(default_factory=lambda: frozenset(ADMIN_ROLES))
    order: int = 100


_PROVIDERS: dict[str, ReportProvider] = {}


def register(provider: ReportProvider) -> None:
    """Add (or replace) a report; packages call this in their `init_app`."""
    _PROVIDERS[provider.key] = provider


def get(key: str) -> ReportProvider | None:
    """The report registered as `key`, if any."""
    return _PROVIDERS.get(key)


def for_role(role: Role) -> list[ReportProvider]:
    """The reports a role may open, in menu order."""
    return sorted(
        (p for p in _PROVIDERS.values() if role in p.roles), key=lambda p: (p.order, p.key)
    )


def rate(numerator: int, denominator: int) -> str | None:
    """`numerator / denominator` as a four-place decimal string ("0.2500"), None for 0/0."""
    if not denominator:
        return None
    value = Fraction(numerator, denominator)
    # Round half up at the fourth place, exactly.
    scaled = (value * 10_000 * 2 + 1) // 2
    return f"{scaled // 10_000}.{scaled % 10_000:04d}"


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in China as naive-UTC timestamps [start, end)."""

    def utc(day: date) -> datetime:
        return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)

    return utc(date(year, 1, 1)), utc(date(year + 1, 1, 1))


def fraction(value: str | None) -> float | None:
    """A rate string as the number a chart draws."""
    return None if value is None else float(value)


def bar_chart(title: str, label: str, categories: list[str], series: list[tuple], unit: str):
    """A bar chart spec (see `app.reports.chart_data`): `series` is [(name, values)]."""
    return {
        "kind": "bar",
        "title": title,
        "category_label": label,
        "categories": categories,
        "series": [{"name": name, "data": list(values)} for name, values in series],
        "unit": unit,
        "target": None,
    }


# ---------------------------------------------------------------- dashboard figures


@dataclass(frozen=True)
class Figure:
    """One figure of an admin's dashboard (学习与考试): `value` already formatted, `detail`
    a line under it, `href` the page that explains it."""

    key: str
    label: str
    value: str
    detail: str = ""
    href: str = ""


@dataclass(frozen=True)
class FigureProvider:
    """Figures a package adds to the admins' dashboards: `build(user, today)` answers them,
    limited to what `user` may see, each from one grouped query (never one per person)."""

    key: str
    build: Callable[..., list[Figure]]
    roles: frozenset = field(default_factory=lambda: frozenset(ADMIN_ROLES))
    order: int = 100


_FIGURES: dict[str, FigureProvider] = {}


def register_figures(provider: FigureProvider) -> None:
    """Add (or replace) a package's dashboard figures; called from its `init_app`."""
    _FIGURES[provider.key] = provider


def dashboard_figures(user, today: date) -> list[Figure]:
    """Every registered figure for `user`'s role, in order."""
    role = Role(user.role)
    chosen = sorted(
        (p for p in _FIGURES.values() if role in p.roles), key=lambda p: (p.order, p.key)
    )
    return [figure for provider in chosen for figure in provider.build(user, today)]


def percent_label(value: str | None) -> str:
    """A rate string ("0.2500") as a percentage with one place ("25.0%"), "—" for none."""
    if value is None:
        return "—"
    scaled = (Fraction(value) * 1000 * 2 + 1) // 2
    return f"{scaled // 10}.{scaled % 10}%"
