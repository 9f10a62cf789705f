"""Rules of public law trainings: names, phones, organisations, capacity, sign-up state.

Plain functions, no Flask: unit-tested alone (tests/unit/test_law_training_rules.py).
"""

import re
import unicodedata
from datetime import date

from app.errors import Invalid

# Who a training is for (the stored key and its label), and the states of a training.
AUDIENCE_TYPES = {
    "practitioner": "从业人员",
    "judge": "法官",
    "lawyer": "律师",
    "community": "社区工作者",
    "owner": "业主",
}
SCHEDULED, CANCELLED = "scheduled", "cancelled"
_ID_TAIL = re.compile(r"[0-9]{3}[0-9X]")

# Audience types that must name their organisation (employer, court, law firm, community).
ORGANISATION_REQUIRED = {"practitioner", "judge", "lawyer", "community"}

_NAME = re.compile(r"^(?:[\u4e00-\u9fff·]{2,20}|[A-Za-z][A-Za-z .'-]{0,18}[A-Za-z])$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def _refused(field: str, message: str) -> Invalid:
    """A field refused for a reason a person can read; `details` names the form field."""
    return Invalid(message, details=[{"field": field, "message": message}])


def normalise_phone(raw: str) -> str:
    """Full-width digits to ASCII; spaces, dashes and a leading +86 removed."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = re.sub(r"[\s\-()]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    return text


def check_phone(raw: str) -> str:
    """The normalised mobile number, or `Invalid`."""
    phone = normalise_phone(raw)
    if not phone:
        raise _refused("phone", "请填写手机号")
    if not _PHONE.match(phone):
        raise _refused("phone", "手机号应为 11 位数字，以 13–19 开头")
    return phone


def normalise_name(raw: str) -> str:
    """Full-width letters to ASCII, surrounding spaces removed, inner spaces collapsed."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    return re.sub(r"\s+", " ", text)


def check_name(raw: str) -> str:
    """The normalised name (2–20 Chinese characters or letters), or `Invalid`."""
    name = normalise_name(raw)
    if not name:
        raise _refused("name", "请填写姓名")
    if len(name) < 2 or len(name) > 20:
        raise _refused("name", "姓名应为 2–20 个字")
    if not _NAME.match(name):
        raise _refused("name", "姓名只能包含汉字或英文字母")
    return name


def check_id_tail(raw: str) -> str:
    """The last 4 characters of an identity number (digits, the last may be X), or `Invalid`.

    The sign-up keeps them (as a keyed hash) so that only the person, who has the ID card,
    can look the sign-up up again: a phone number and a name are known to too many people.
    """
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", raw or "")).upper()
    if not _ID_TAIL.fullmatch(text):
        raise _refused("id_tail", "请填写身份证号的后 4 位（数字，最后一位可能是 X）")
    return text


def check_organisation(audience_type: str, raw: str) -> str:
    """The organisation, required for every audience type except owners (业主)."""
    organisation = normalise_name(raw)
    if len(organisation) > 128:
        raise _refused("organisation", "单位名称不能超过 128 个字")
    if audience_type in ORGANISATION_REQUIRED and not organisation:
        label = AUDIENCE_TYPES[audience_type]
        raise _refused("organisation", f"{label}请填写所在单位")
    return organisation


def check_audience(audience_type: str, offered: list[str]) -> str:
    if audience_type not in AUDIENCE_TYPES or audience_type not in offered:
        raise _refused("audience_type", "请选择本场培训面向的人员类型")
    return audience_type


def places_left(capacity: int, signed_up: int) -> int:
    return max(capacity - signed_up, 0)


def signup_refusal(
    *, status: str, signup_open: bool, held_on: date, today: date, capacity: int, signed_up: int
) -> str | None:
    """Why a sign-up is refused now, or None; checked: cancelled, past, closed, full."""
    if status == CANCELLED:
        return "本场培训已取消，不再接受报名"
    if held_on < today:
        return "本场培训已结束，不再接受报名"
    if not signup_open:
        return "本场培训报名已关闭"
    if places_left(capacity, signed_up) == 0:
        return "本场培训名额已满"
    return None


def state_label(*, status: str, signup_open: bool, held_on: date, today: date, full: bool) -> str:
    """What the event lists show: 已取消, 已举办, 报名已满, 报名中, 报名已关闭."""
    if status == CANCELLED:
        return "已取消"
    if held_on < today:
        return "已举办"
    if not signup_open:
        return "报名已关闭"
    if full:
        return "报名已满"
    return "报名中"


def checkin_refusal(*, status: str, held_on: date, today: date) -> str | None:
    """Why nobody can be checked in now, or None. Check-in opens on the training's day (local
    date) and stays open afterwards, so that a paper list can be entered later."""
    if status == CANCELLED:
        return "本场培训已取消，不能签到"
    if today < held_on:
        return f"签到在培训当天（{held_on.year}年{held_on.month}月{held_on.day}日）开放"
    return None


def coverage_status(*, trainings: int, held: int) -> str:
    """A region's coverage in a year: 已开展 once an event was held; 已安排 when one is only
    planned; 待开展 when none is."""
    if held:
        return "已开展"
    return "已安排" if trainings else "待开展"


def mask_phone(phone: str) -> str:
    """138****1234."""
    if len(phone) != 11:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[7:]}"


# Events are planned or recorded within a few years of today: a date like 9999-12-31 is a
# typing accident (and would sit on the public list forever).
YEARS_BACK, YEARS_AHEAD = 5, 2


def held_on_range(today: date) -> tuple[date, date]:
    """The first and last day an event may be held on, seen from `today`."""
    return date(today.year - YEARS_BACK, 1, 1), date(today.year + YEARS_AHEAD, 12, 31)


def check_held_on(held_on: date, today: date) -> date:
    """The event's date, or `Invalid` when it is not within a few years of today."""
    first, last = held_on_range(today)
    if not first <= held_on <= last:
        raise _refused("held_on", f"培训日期应在 {first.isoformat()} 至 {last.isoformat()} 之间")
    return held_on


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def check_start_time(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if len(text) == 4 and text[1] == ":":
        text = "0" + text
    if not _TIME.match(text):
        raise _refused("starts_at", "开始时间格式应为 时:分，例如 09:00")
    return text
