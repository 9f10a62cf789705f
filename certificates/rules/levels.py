"""The five levels of 职业技能等级 as the national standards name them (5 is the lowest)."""

LEVELS: dict[int, str] = {
    5: "五级/初级工",
    4: "四级/中级工",
    3: "三级/高级工",
    2: "二级/技师",
    1: "一级/高级技师",
}
# Short names printed where space is tight (e.g. 四级).
SHORT = {5: "五级", 4: "四级", 3: "三级", 2: "二级", 1: "一级"}


def label(level: int) -> str:
    """The level's full name, e.g. 4 → "四级/中级工"."""
    return LEVELS[level]


def needs_review(level: int) -> bool:
    """二级/技师 and 一级/高级技师 add a review (综合评审) to the theory and practical parts."""
    return level <= 2


def one_up(level: int) -> int | None:
    """The next level up (a lower number), or None above 一级."""
    return level - 1 if level > 1 else None
