"""Rules of law trainings: names, phones, organisations, capacity and sign-up state."""

from datetime import date

import pytest

from app.errors import Invalid
from app.law_trainings import rules

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812341234", "13812341234"),
        ("１３８１２３４１２３４", "13812341234"),
        (" 138 1234 1234 ", "13812341234"),
        ("138-1234-1234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("138　1234　1234", "13812341234"),
    ],
)
def test_phone_normalised(raw, expected):
    assert rules.check_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "1381234123", "138123412345", "12812341234", "1381234123a"])
def test_bad_phone_refused(raw):
    with pytest.raises(Invalid) as info:
        rules.check_phone(raw)
    assert info.value.details[0]["field"] == "phone"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("张三", "张三"), (" 欧阳娜娜 ", "欧阳娜娜"), ("Ｔｏｍ", "Tom"), ("Mary  Ann", "Mary Ann")],
)
def test_name_normalised(raw, expected):
    assert rules.check_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "张", "张" * 21, "张3", "<b>李四</b>", "Tom张"])
def test_bad_name_refused(raw):
    with pytest.raises(Invalid) as info:
        rules.check_name(raw)
    assert info.value.details[0]["field"] == "name"


def test_organisation_required_except_owners():
    for kind in ("practitioner", "judge", "lawyer", "community"):
        with pytest.raises(Invalid, match="请填写所在单位"):
            rules.check_organisation(kind, "  ")
    assert rules.check_organisation("owner", "") == ""
    assert rules.check_organisation("lawyer", " 河北某律师事务所 ") == "河北某律师事务所"


def test_audience_must_be_offered():
    assert rules.check_audience("owner", ["owner", "judge"]) == "owner"
    with pytest.raises(Invalid):
        rules.check_audience("lawyer", ["owner"])
    with pytest.raises(Invalid):
        rules.check_audience("alien", ["alien"])


def _refusal(**overrides):
    args = dict(
        status="scheduled",
        signup_open=True,
        held_on=TODAY,
        today=TODAY,
        capacity=10,
        signed_up=9,
    )
    args.update(overrides)
    return rules.signup_refusal(**args)


def test_signup_state():
    assert _refusal() is None  # same day still open, one place left
    assert _refusal(signed_up=10) == "本场培训名额已满"
    assert _refusal(signed_up=12) == "本场培训名额已满"
    assert _refusal(signup_open=False) == "本场培训报名已关闭"
    assert _refusal(held_on=date(2026, 5, 31)) == "本场培训已结束，不再接受报名"
    assert _refusal(status="cancelled", signed_up=10) == "本场培训已取消，不再接受报名"


def test_places_left_and_labels():
    assert rules.places_left(10, 3) == 7
    assert rules.places_left(10, 11) == 0
    common = dict(signup_open=True, held_on=TODAY, today=TODAY, full=False)
    assert rules.state_label(status="scheduled", **common) == "报名中"
    assert rules.state_label(status="cancelled", **common) == "已取消"
    assert rules.state_label(status="scheduled", **{**common, "full": True}) == "报名已满"
    past = {**common, "today": date(2026, 6, 2)}
    assert rules.state_label(status="scheduled", **past) == "已举办"


def test_mask_phone():
    assert rules.mask_phone("13812341234") == "138****1234"


@pytest.mark.parametrize(
    ("raw", "expected"), [("9:00", "09:00"), ("14:30", "14:30"), ("０９：３０", "09:30")]
)
def test_start_time(raw, expected):
    assert rules.check_start_time(raw) == expected


@pytest.mark.parametrize("raw", ["25:00", "9", "abc", ""])
def test_bad_start_time(raw):
    with pytest.raises(Invalid):
        rules.check_start_time(raw)
