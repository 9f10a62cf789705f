"""The level a competition winner is certified at when promoted one level (晋级).

A winner flagged `promoted` by a competition is certified one level above the highest level
they hold in the event's occupation: this platform's valid certificates, and certificates of
other issuers recorded on the roster whose name says the occupation and a level (e.g.
"物业管理员四级", "物业管理员（三级/高级工）"). Holding none, they are certified at 四级/中级工:
competitions are entered by working staff, and 五级 is the entry level that needs no
promotion. Holding 一级 already, there is nothing above: no certificate.
"""

from certificates.rules.levels import LEVELS, SHORT, one_up

DEFAULT_LEVEL = 4

_NAMES = {
    **{name: level for level, name in SHORT.items()},
    **{name.split("/")[1]: level for level, name in LEVELS.items()},  # 中级工, 技师 …
}


def level_in_name(name: str, occupation: str) -> int | None:
    """The level a certificate's free-text name states for `occupation`, or None.

    The name must contain the occupation; of the level words found, the highest counts
    ("高级技师" contains "技师": the longer word wins)."""
    if not occupation or occupation not in name:
        return None
    rest = name.replace(occupation, " ")
    found = []
    for word in sorted(_NAMES, key=len, reverse=True):
        if word in rest:
            found.append(_NAMES[word])
            rest = rest.replace(word, " ")
    return min(found) if found else None


def promoted_level(held: list[int], default: int = DEFAULT_LEVEL) -> int | None:
    """One level above the highest in `held` (levels 1–5; 1 is highest), `default` when
    nothing is held, None above 一级."""
    if not held:
        return default
    return one_up(min(held))
