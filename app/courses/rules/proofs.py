"""Rules of the proof of training (培训证明): its number and the holder's name as shown.

A number is "PX", the year of issue, the proof's id on 8 digits and 4 random digits, e.g.
PX2026000000127391 (18 characters): ordered by issue, and not guessable from a neighbour's
(the public verification page answers only exact numbers, rate-limited).
"""

import re
from datetime import date

NUMBER = re.compile(r"^PX\d{4}\d{8}\d{4}$")


def proof_number(issued_on: date, proof_id: int, random_digits: int) -> str:
    """The number of the proof `proof_id` issued on `issued_on` (`random_digits` < 10000)."""
    if not 0 < proof_id < 10**8 or not 0 <= random_digits < 10**4:
        raise ValueError("proof id or random digits out of range")
    return f"PX{issued_on.year:04d}{proof_id:08d}{random_digits:04d}"


def is_well_formed(number: str) -> bool:
    """Whether `number` has the shape of a proof number (says nothing of its existence)."""
    return bool(NUMBER.match(number or ""))


def mask_name(name: str) -> str:
    """A name partly hidden: 王五 → 王*, 张小三 → 张*三, 欧阳明月 → 欧**月."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
