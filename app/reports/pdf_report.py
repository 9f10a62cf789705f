"""持证上岗率统计报告: a Chinese PDF with the rate's figures and charts (xhtml2pdf).

The charts are drawn on the server with matplotlib (no browser) as PNG images, in the same
CJK TrueType font the PDF embeds (`app.cjk_font`), from the same chart specs the pages draw
with ECharts (`app.reports.chart_data`), so the PDF, the page and the table agree.
"""

import base64
import io
import threading
from datetime import date

from flask import render_template

from app.cjk_font import FONT_NAME, font_path, register_font
from app.reports import chart_data
from app.roles import Role
from app.security import role_of
from app.timeutil import to_local, utcnow

ASSOCIATION = "河北省物业管理行业协会"
_COLOURS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545"]
_FONTS_ADDED: set[str] = set()
# matplotlib's rc settings and font manager are process-wide: one chart at a time.
_LOCK = threading.Lock()


def _font_family() -> str:
    from matplotlib import font_manager

    path = font_path()
    if path not in _FONTS_ADDED:
        font_manager.fontManager.addfont(path)
        _FONTS_ADDED.add(path)
    return font_manager.FontProperties(fname=path).get_name()


def chart_png(chart: dict, width: float = 6.8, height: float = 2.9) -> bytes:
    """A chart spec drawn as a PNG (matplotlib, Agg, the CJK font)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    register_font()  # raises FontMissing when the font file is not there
    rate = chart.get("unit") == "rate"
    categories = chart["categories"]
    with _LOCK, rc_context({"font.family": [_font_family()], "axes.unicode_minus": False}):
        # Many bars, or long names (enterprises), read better as horizontal bars.
        many = chart["kind"] == "bar" and (
            len(categories) > 8 or max((len(c) for c in categories), default=0) > 6
        )
        size = (width, max(height, 0.28 * len(categories) + 0.8) if many else height)
        figure = Figure(figsize=size, dpi=150)
        axes = figure.subplots()
        if not categories:
            axes.text(0.5, 0.5, "暂无数据", ha="center", va="center", color="#888")
            axes.set_axis_off()
        elif chart["kind"] == "line":
            for i, series in enumerate(chart["series"]):
                values = [float("nan") if v is None else v for v in series["data"]]
                axes.plot(
                    categories, values, marker="o", color=_COLOURS[i % 5], label=series["name"]
                )
                for x, v in zip(categories, series["data"], strict=True):
                    if v is not None:
                        label = f"{v * 100:.1f}%" if rate else str(v)
                        axes.annotate(
                            label,
                            (x, v),
                            textcoords="offset points",
                            xytext=(0, 5),
                            ha="center",
                            fontsize=7,
                        )
            axes.tick_params(axis="x", labelrotation=45, labelsize=7)
        else:
            count = len(chart["series"])
            step = 0.8 / count
            positions = range(len(categories))
            for i, series in enumerate(chart["series"]):
                values = [0 if v is None else v for v in series["data"]]
                offsets = [p - 0.4 + step * (i + 0.5) for p in positions]
                draw = axes.barh if many else axes.bar
                draw(offsets, values, step * 0.9, color=_COLOURS[i % 5], label=series["name"])
            if many:
                axes.set_yticks(list(positions), categories, fontsize=7)
                axes.invert_yaxis()
            else:
                axes.set_xticks(list(positions), categories, fontsize=8)
                if len(categories) > 5:
                    axes.tick_params(axis="x", labelrotation=30)
        if categories:
            value_axis = axes.xaxis if many else axes.yaxis
            if rate:
                value_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))
                (axes.set_xlim if many else axes.set_ylim)(0, 1.05)
            if chart.get("target") is not None:
                line = axes.axvline if many else axes.axhline
                line(chart["target"], color="#dc3545", linestyle="--", linewidth=1, label="目标")
            if len(chart["series"]) > 1 or chart.get("target") is not None:
                axes.legend(fontsize=7, loc="best")
            axes.grid(axis="x" if many else "y", color="#ddd", linewidth=0.5)
            axes.spines[["top", "right"]].set_visible(False)
        axes.set_title(chart["title"], fontsize=10)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def scope_label(user, region=None, enterprise=None) -> str:
    """What the figures cover: 全省, a region, or an enterprise."""
    if enterprise is not None:
        return enterprise.name
    if region is not None:
        return region.name
    role = role_of(user)
    if role is Role.CITY_ADMIN and user.region is not None:
        return user.region.name
    if role is Role.ENTERPRISE_ADMIN and user.enterprise is not None:
        return user.enterprise.name
    return "全省"


def report_figures(user, as_of: date, region=None, enterprise=None) -> dict:
    """The tables and charts of the report: the trend, and regions, enterprises and posts."""
    rates = chart_data.rates()
    region_id = region.id if region is not None else None
    enterprise_id = enterprise.id if enterprise is not None else None
    filters = {"region_id": region_id, "enterprise_id": enterprise_id}
    last = as_of.replace(day=1)
    series = rates.rate_series(user, chart_data.shift_months(last, -11), last, **filters)
    tables = {"post": rates.rate_table(user, as_of, "post", **filters)}
    role = role_of(user)
    if enterprise is None and role is not Role.ENTERPRISE_ADMIN:
        if role is Role.PROVINCE_ADMIN and region is None:
            tables["region"] = rates.rate_table(user, as_of, "region", **filters)
        else:
            tables["enterprise"] = rates.rate_table(user, as_of, "enterprise", **filters)
    charts = [chart_data.trend_chart(series, "近 12 个月持证上岗率")]
    charts += [chart_data.comparison_chart(t, group_by) for group_by, t in tables.items()]
    return {"series": series, "tables": tables, "charts": charts}


def render(user, as_of: date, region=None, enterprise=None) -> bytes:
    """The report as PDF bytes."""
    from xhtml2pdf import pisa

    register_font()
    figures = report_figures(user, as_of, region, enterprise)
    images = [
        {"title": chart["title"], "src": _data_uri(chart_png(chart))} for chart in figures["charts"]
    ]
    html = render_template(
        "reports/charts/report_pdf.html",
        font=FONT_NAME,
        association=ASSOCIATION,
        as_of=as_of,
        scope=scope_label(user, region, enterprise),
        definition=chart_data.definition(),
        total=figures["tables"]["post"].total,
        tables=figures["tables"],
        labels=chart_data.GROUP_LABELS,
        series=figures["series"],
        images=images,
        generated_at=to_local(utcnow()),
    )
    out = io.BytesIO()
    # Kept in memory (capacity -1): the page with its images is larger than xhtml2pdf's
    # 100 KiB threshold, beyond which it spills to temporary files it never closes.
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", capacity=-1)
    if result.err:
        raise RuntimeError("统计报告生成失败")
    return out.getvalue()
