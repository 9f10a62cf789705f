"""The draw (抽签): contestant numbers from a recorded seed, reproducible by anyone."""

import random


def draw_numbers(contestant_ids: list[int], seed: int) -> dict[int, int]:
    """{contestant id: number 1…n}: a permutation fixed by `seed` and the set of ids.

    The ids are sorted first, so the same seed and the same contestants give the same
    numbers whatever order they were read in: a published seed lets anyone check the draw.
    """
    ordered = sorted(contestant_ids)
    numbers = list(range(1, len(ordered) + 1))
    random.Random(seed).shuffle(numbers)
    return dict(zip(ordered, numbers, strict=True))
