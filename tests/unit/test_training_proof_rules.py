"""The proof of training's number and the masked name its verification page shows."""

from datetime import date

import pytest

from app.courses.rules.proofs import is_well_formed, mask_name, proof_number


def test_a_number_is_the_year_the_id_and_four_random_digits():
    number = proof_number(date(2026, 12, 4), 12, 7391)
    assert number == "PX2026000000127391" and len(number) == 18
    assert is_well_formed(number)


@pytest.mark.parametrize(
    "bad", ["", "PX202600000012739", "px2026000000127391", "PX2026/0000127391"]
)
def test_other_shapes_are_not_numbers(bad):
    assert not is_well_formed(bad)


@pytest.mark.parametrize(("proof_id", "digits"), [(0, 1), (10**8, 1), (1, -1), (1, 10**4)])
def test_out_of_range_parts_are_refused(proof_id, digits):
    with pytest.raises(ValueError):
        proof_number(date(2026, 1, 1), proof_id, digits)


@pytest.mark.parametrize(
    ("name", "shown"),
    [("王五", "王*"), ("张小三", "张*三"), ("欧阳明月", "欧**月"), ("李", "李"), ("", "")],
)
def test_names_are_partly_hidden(name, shown):
    assert mask_name(name) == shown
