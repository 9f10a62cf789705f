"""The pure rules of the certified-on-duty rate (持证上岗率)."""

from datetime import date
from decimal import Decimal

import pytest

from app.orgs.rules.posts import Post
from app.reports.rules import rates as r

MAPPING = {p.value: occ for p, occ in r.DEFAULT_POST_OCCUPATIONS.items()}
DAY = date(2026, 6, 30)


def test_on_duty_from_the_joining_day_to_the_day_before_leaving():
    assert r.on_duty(DAY, None, DAY)
    assert not r.on_duty(date(2026, 7, 1), None, DAY)
    assert r.on_duty(date(2020, 1, 1), date(2026, 7, 1), DAY)
    assert not r.on_duty(date(2020, 1, 1), DAY, DAY)  # the leave date is the first day off


def test_validity_issue_expiry_and_revocation():
    assert r.certificate_valid(DAY, None, None, DAY)
    assert not r.certificate_valid(date(2026, 7, 1), None, None, DAY)
    assert not r.certificate_valid(date(2020, 1, 1), DAY, None, DAY)  # expired that day
    assert r.certificate_valid(date(2020, 1, 1), date(2026, 7, 1), None, DAY)
    assert not r.certificate_valid(date(2020, 1, 1), None, DAY, DAY)  # revoked that day
    assert r.certificate_valid(date(2020, 1, 1), None, date(2026, 9, 1), DAY)  # revoked later


def test_the_default_mapping_and_other():
    assert r.relevant("project_manager", "物业管理师", MAPPING)
    assert r.relevant("customer_service", "物业管理员", MAPPING)
    assert r.relevant("maintenance", "电梯安装维修工", MAPPING)
    assert not r.relevant("cleaning", "电工", MAPPING)
    assert not r.relevant(Post.OTHER.value, "保安员", {**MAPPING, "other": ("保安员",)})
    assert Post.OTHER not in r.COUNTED_POSTS and len(r.COUNTED_POSTS) == 6


def test_rate_formatting():
    assert r.format_rate(r.rate(1, 4)) == "0.2500"
    assert r.format_rate(r.rate(2, 3)) == "0.6667"
    assert r.format_rate(r.rate(0, 5)) == "0.0000"
    assert r.rate(0, 0) is None and r.format_rate(None) is None
    assert r.format_percent(Decimal("0.2500")) == "25.00%"
    assert r.format_percent(None) == "—"
    assert "其他" in r.DEFINITION and "持证上岗率" in r.DEFINITION


@pytest.mark.parametrize(
    "text, points", [("80", 8000), ("80.5%", 8050), ("0.8", 8000), ("", None), ("100", 10000)]
)
def test_targets(text, points):
    assert r.parse_target(text) == points


@pytest.mark.parametrize("text", ["120", "-1", "abc", "nan"])
def test_bad_targets(text):
    with pytest.raises(ValueError, match="目标值"):
        r.parse_target(text)


def test_below_target():
    assert r.below_target(Decimal("0.7"), Decimal("0.8"))
    assert not r.below_target(Decimal("0.8"), Decimal("0.8"))
    assert not r.below_target(None, Decimal("0.8")) and not r.below_target(Decimal("0"), None)


def test_occupations_parse():
    assert r.parse_occupations("电工\n 维修 电工 ，电工、保安员") == ["电工", "维修电工", "保安员"]
    with pytest.raises(ValueError):
        r.parse_occupations("电" * 65)


def test_series_dates():
    today = date(2026, 3, 15)
    assert r.series_dates(date(2025, 12, 1), date(2026, 5, 1), today) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        today,
    ]
    with pytest.raises(ValueError):
        r.series_dates(date(2026, 5, 1), date(2026, 1, 1), today)
    with pytest.raises(ValueError):
        r.series_dates(date(2000, 1, 1), date(2026, 1, 1), today)


def test_a_certificate_name_states_its_occupation():
    from app.reports.rules.rates import occupation_named_in

    assert occupation_named_in("保安员证") == "保安员"
    assert occupation_named_in("特种作业操作证（低压电工作业）") == "电工"
    assert occupation_named_in("维修电工（三级）") == "维修电工"
    assert occupation_named_in("园林绿化工证") == "园林绿化工"
    assert occupation_named_in("健康证") == "健康证"
