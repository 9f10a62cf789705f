"""Item analysis of an exam, as Moodle's quiz statistics report computes it.

Input is one row per attempt of integer centipoints per question. Sums of squares and cross
products are computed exactly in integers (n·Σxy − Σx·Σy), so "zero variance" is decided
exactly and only the final ratios are floats. Variances are sample variances (n − 1), as in
Moodle; the (n − 1) factors cancel in every ratio below.

See docs.moodle.org "Quiz statistics calculations".
"""

import math
import statistics
from dataclasses import dataclass
from fractions import Fraction

NO_ANSWER = "未作答"
INVALID_ANSWER = "无效作答"


@dataclass
class QuestionStats:
    """Item statistics of one question (one column of the marks)."""

    index: int  # 0-based column
    facility: float | None  # 难度/得分率: mean mark / max mark, 0–1
    sd: float | None  # standard deviation of the marks / max mark (Moodle shows it as %)
    # Pearson correlation of this question's mark with the rest of the test (total minus this
    # question); None when undefined (fewer than 2 attempts, or no variance on either side).
    discrimination: float | None
    # Discriminative efficiency: cov(mark, rest) / the covariance the same marks would have if
    # they were ordered like the rest marks (both sorted). At most 1; negative exactly when the
    # discrimination is (Moodle shows both as %).
    efficiency: float | None
    negative: bool  # discrimination < 0: the bank's owners should look at the question


@dataclass
class TestStats:
    """Whole-test statistics; totals are in centipoints."""

    __test__ = False  # not a pytest test class, despite its name

    attempts: int
    mean: float | None  # None without attempts
    median: float | None
    sd: float | None  # sample standard deviation; None with fewer than 2 attempts
    # Cronbach's alpha (Moodle: coefficient of internal consistency), 0–1 as a fraction; None
    # when undefined (fewer than 2 questions or attempts, or every total the same).
    alpha: float | None


def _check(marks: list[list[int]], columns: int | None = None) -> int:
    """The number of questions, after checking every row is as long and holds integers."""
    width = columns if columns is not None else (len(marks[0]) if marks else 0)
    for row in marks:
        if len(row) != width:
            raise ValueError(f"every attempt needs {width} marks, one has {len(row)}")
        if not all(isinstance(m, int) and not isinstance(m, bool) for m in row):
            raise ValueError("marks must be integer centipoints")
    return width


def _sum_of_squares(xs: list[int]) -> int:
    """n·Σx² − (Σx)², which is n(n − 1) times the sample variance."""
    return len(xs) * sum(x * x for x in xs) - sum(xs) ** 2


def _sum_of_products(xs: list[int], ys: list[int]) -> int:
    """n·Σxy − Σx·Σy, which is n(n − 1) times the sample covariance."""
    return len(xs) * sum(x * y for x, y in zip(xs, ys, strict=True)) - sum(xs) * sum(ys)


def question_stats(marks: list[list[int]], max_marks: list[int]) -> list[QuestionStats]:
    """Facility, SD, discrimination and efficiency of every question (column)."""
    _check(marks, len(max_marks))
    n = len(marks)
    totals = [sum(row) for row in marks]
    result = []
    for q, max_mark in enumerate(max_marks):
        xs = [row[q] for row in marks]
        rest = [total - x for total, x in zip(totals, xs, strict=True)]
        facility = sd = discrimination = efficiency = None
        if n and max_mark > 0:
            facility = float(Fraction(sum(xs), n * max_mark))
        if n >= 2:
            sxx, srr = _sum_of_squares(xs), _sum_of_squares(rest)
            sxr = _sum_of_products(xs, rest)
            if max_mark > 0:
                sd = math.sqrt(Fraction(sxx, n * (n - 1))) / max_mark
            if sxx > 0 and srr > 0:
                # Clamped: rounding can carry a perfect correlation a hair past ±1.
                discrimination = max(-1.0, min(1.0, sxr / (math.sqrt(sxx) * math.sqrt(srr))))
            # The largest covariance these marks allow: pair them in the same order.
            best = _sum_of_products(sorted(xs), sorted(rest))
            if best:
                efficiency = float(Fraction(sxr, best))
        result.append(
            QuestionStats(
                index=q,
                facility=facility,
                sd=sd,
                discrimination=discrimination,
                efficiency=efficiency,
                negative=discrimination is not None and discrimination < 0,
            )
        )
    return result


def test_stats(marks: list[list[int]]) -> TestStats:
    """Mean, median and SD of the totals and Cronbach's alpha of the test."""
    k = _check(marks)
    n = len(marks)
    totals = [sum(row) for row in marks]
    if not n:
        return TestStats(attempts=0, mean=None, median=None, sd=None, alpha=None)
    mean = float(Fraction(sum(totals), n))
    median = float(statistics.median(totals))
    sd = alpha = None
    if n >= 2:
        stt = _sum_of_squares(totals)
        sd = math.sqrt(Fraction(stt, n * (n - 1)))
        if k >= 2 and stt > 0:
            item_variance = sum(_sum_of_squares([row[q] for row in marks]) for q in range(k))
            alpha = float(Fraction(k, k - 1) * (1 - Fraction(item_variance, stt)))
    return TestStats(attempts=n, mean=mean, median=median, sd=sd, alpha=alpha)


test_stats.__test__ = False  # a library function, not a pytest test


def option_frequencies(responses: list[object]) -> dict[str, int]:
    """How often each option was chosen in one question's responses (未作答 for none)."""
    counts: dict[str, int] = {}

    def count(label: str) -> None:
        counts[label] = counts.get(label, 0) + 1

    for response in responses:
        if response is None or response == "" or response == [] or response == ():
            count(NO_ANSWER)
        elif isinstance(response, bool):
            count("true" if response else "false")
        elif isinstance(response, str):
            count(response)
        elif isinstance(response, list | tuple) and all(isinstance(r, str) for r in response):
            # A candidate choosing A twice chose A once, as grading sees it.
            for key in dict.fromkeys(response):
                count(key)
        else:
            count(INVALID_ANSWER)
    special = (NO_ANSWER, INVALID_ANSWER)
    ordered = sorted(k for k in counts if k not in special)
    return {k: counts[k] for k in [*ordered, *(s for s in special if s in counts)]}
