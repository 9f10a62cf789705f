"""Conflicts of interest (回避): which contestants a judge must never mark."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Affiliation:
    """Where a person works: an enterprise and its region (either may be None)."""

    enterprise_id: int | None
    region_id: int | None


def conflict(judge: Affiliation, contestant: Affiliation, *, stage: str) -> str | None:
    """Why `judge` may not mark `contestant` in a competition of `stage`, or None.

    A judge never marks a colleague (same enterprise); in the provincial final, where the
    regions compete with each other, not anyone of their own region either.
    """
    if judge.enterprise_id is not None and judge.enterprise_id == contestant.enterprise_id:
        return "裁判与选手属于同一企业，须回避"
    if stage == "final" and judge.region_id is not None and judge.region_id == contestant.region_id:
        return "决赛中裁判与选手属于同一地区，须回避"
    return None
