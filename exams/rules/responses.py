"""What a candidate's response to a question may hold: its shape, its keys, its length.

Pure: a response is checked against what the paper says of its question (`QuestionShape`),
so that both ways of saving an answer store only what the question can hold.
"""

from dataclasses import dataclass

SINGLE, MULTIPLE, TRUE_FALSE, FILL = "single", "multiple", "true_false", "fill"

# The exam page's blank inputs hold at most 500 characters (`maxlength` in exam.js).
MAX_BLANK_CHARS = 500


@dataclass(frozen=True)
class QuestionShape:
    """What a response to a question may hold: its type, its option keys, its blanks."""

    type: str
    keys: frozenset[str] = frozenset()
    blanks: int = 0

    @property
    def max_blanks(self) -> int:
        """How many texts a fill response may hold (the page shows one input at least)."""
        return max(self.blanks, 1)


def response_problem(shape: QuestionShape, response) -> str | None:
    """Why `response` cannot be an answer to the question, in Chinese; None when it can.

    None (clearing an answer) always can. Single: one of the question's option keys.
    Multiple: a list of distinct keys among them. True/false: a boolean. Fill: a list of at
    most as many texts as the question has blanks (the page sends one per blank, "" for an
    empty one), each at most `MAX_BLANK_CHARS` characters.
    """
    if response is None:
        return None
    if shape.type == SINGLE:
        if not isinstance(response, str):
            return "单选题的答案应为一个选项"
        if response not in shape.keys:
            return "答案中的选项不在本题的选项中"
        return None
    if shape.type == MULTIPLE:
        if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
            return "多选题的答案应为选项的列表"
        if not set(response) <= shape.keys:
            return "答案中的选项不在本题的选项中"
        if len(set(response)) != len(response):
            return "多选题的答案中有重复的选项"
        return None  # distinct keys of the question: never more than its options
    if shape.type == TRUE_FALSE:
        return None if isinstance(response, bool) else "判断题的答案应为“对”或“错”"
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        return "填空题的答案应为每空一段文字的列表"
    if len(response) > shape.max_blanks:
        return f"本题只有 {shape.max_blanks} 个空"
    if any(len(r) > MAX_BLANK_CHARS for r in response):
        return f"每空的答案不能超过 {MAX_BLANK_CHARS} 字"
    return None
