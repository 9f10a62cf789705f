"""How a holder's name is shown on the public verification page."""


def mask_name(name: str) -> str:
    """A name with only its first and (from three characters on) last character shown:
    张三 → 张*, 张小三 → 张*三, 欧阳娜娜 → 欧**娜; a one-character name stays as it is."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
