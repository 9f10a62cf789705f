"""Reviews of an attempt: the manager's (every question, response, key, marks) and the
candidate's (once the exam shows answers), and the statistics page's option bars.

What is "right" comes from the grading rules (`exams.rules.grading`), never worked out
again here: an option is right when a full-marks answer chooses it, a fill-in text when
grading would accept it for a blank.
"""

from exams.rules import grading
from exams.rules import statistics as item_analysis
from exams.views_common import points
from question_bank import version_cache
from question_bank.version_cache import Version

LETTERS = "ABCDEFGH"
TYPE_LABELS = {"single": "单选题", "multiple": "多选题", "true_false": "判断题", "fill": "填空题"}


# The manager's review ---------------------------------------------------------------------------


def response_text(kind: str, response, labels: dict[str, str]) -> str:
    """A response (or key) in words, options by the labels the candidate saw."""
    if response is None or response == [] or response == "":
        return "未作答"
    if kind == "true_false":
        return "对" if response is True else "错" if response is False else "无效作答"
    if kind == "fill":
        if not isinstance(response, list):
            return "无效作答"
        return " | ".join(str(r) or "（空）" for r in response)
    chosen = [response] if isinstance(response, str) else response
    if not isinstance(chosen, list) or not all(isinstance(k, str) for k in chosen):
        return "无效作答"
    return "、".join(sorted(labels.get(k, k) for k in chosen))


def manager_item(item, version: Version, answer, score: int | None) -> dict:
    """A question of an attempt as the candidate saw it, their response and the key.

    `item` is the paper's row (position, question, points, option order), `answer` the
    stored answer (or None), `score` the question's mark (None until graded).
    """
    response = answer.response if answer else None
    texts = dict(version.options)
    labels = {key: LETTERS[i] for i, key in enumerate(item.option_order)}
    right = grading.right_options(version.type, version.answer)
    if isinstance(response, str):
        chosen = {response}
    elif isinstance(response, list):
        chosen = {r for r in response if isinstance(r, str)}
    else:
        chosen = set()  # true/false, or nothing
    if version.type == "fill":
        accepted = grading.accepted_blanks(version.answer, version.blanks)
        key_text = " | ".join(" / ".join(blank) for blank in accepted)
    else:
        key_text = response_text(
            version.type, grading.right_answer(version.type, version.answer), labels
        )
    return {
        "position": item.position,
        "question_id": item.question_id,
        "type": version.type,
        "stem": version.stem,
        "explanation": version.explanation,
        "points": points(item.points),
        "score": points(score),
        "options": [
            {
                "label": labels[key],
                "key": key,
                "text": texts.get(key, ""),
                "correct": key in right,
                "chosen": version.type != "fill" and key in chosen,
            }
            for key in item.option_order
        ],
        "response": response_text(version.type, response, labels),
        "answer": key_text,
        "flagged": bool(answer and answer.flagged),
    }


def manager_items(attempt) -> list[dict]:
    """Every question of the attempt's paper, in the candidate's order, as `manager_item`."""
    answers = {a.question_id: a for a in attempt.answers}
    versions = version_cache.get_many(i.version_id for i in attempt.questions)
    return [
        manager_item(
            i,
            versions[i.version_id],
            answers.get(i.question_id),
            attempt.question_score(i.position),
        )
        for i in attempt.questions
    ]


# The statistics page's bars --------------------------------------------------------------------

SPECIAL_ANSWERS = (item_analysis.NO_ANSWER, item_analysis.INVALID_ANSWER)  # not options


def option_bars(version: Version, frequencies: dict[str, int], attempts: int) -> list[dict]:
    """The bars of one question: each option (or answer given) and how often it was chosen."""
    if version.type in ("single", "multiple"):
        right = grading.right_options(version.type, version.answer)
        rows = [(key, text, frequencies.get(key, 0), key in right) for key, text in version.options]
    elif version.type == "true_false":
        judgement = grading.right_judgement(version.answer)
        rows = [
            ("对", "", frequencies.get("true", 0), judgement is True),
            ("错", "", frequencies.get("false", 0), judgement is False),
        ]
    else:
        given = [(k, v) for k, v in frequencies.items() if k not in SPECIAL_ANSWERS]
        rows = [
            (
                text,
                "",
                count,
                grading.accepted_in_some_blank(
                    text, version.answer, version.blanks, version.fill_rules
                ),
            )
            for text, count in sorted(given, key=lambda kv: -kv[1])[:5]
        ]
    rows += [(k, "", frequencies[k], False) for k in SPECIAL_ANSWERS if k in frequencies]
    return [
        {
            "label": label,
            "text": text,
            "count": count,
            "share": count / attempts if attempts else 0,
            "correct": correct,
        }
        for label, text, count, correct in rows
    ]


# The candidate's review, with the labels the candidate saw -----------------------------------


def _choice_text(question: dict, keys) -> str:
    labels = {o["key"]: (LETTERS[i], o["text"]) for i, o in enumerate(question["options"])}
    shown = [labels[k] for k in keys if k in labels]
    shown.sort()
    return "；".join(f"{label}. {text}" for label, text in shown)


def _candidate_response_text(question: dict, response) -> str:
    kind = question["type"]
    if response is None or response == [] or response == "":
        return ""
    if kind == "single":
        return _choice_text(question, [response])
    if kind == "multiple":
        return _choice_text(question, response)
    if kind == "true_false":
        return "对" if response else "错"
    blanks = [str(r).strip() for r in response]
    if not any(blanks):
        return ""
    return "；".join(f"第 {n} 空：{b or '（未填）'}" for n, b in enumerate(blanks, start=1))


def _correct_text(question: dict, item: dict) -> str:
    if question["type"] == "fill":
        accepted = item.get("accepted_answers") or [[a] for a in item["answer"]]
        return "；".join(
            f"第 {n} 空：{' 或 '.join(choices)}" for n, choices in enumerate(accepted, start=1)
        )
    return _candidate_response_text(question, item["answer"])


def candidate_items(body: dict) -> list[dict]:
    """Each question with the candidate's answer and the correct one, in the paper's order.

    `body` is the attempt body (`views_common.attempt_body`) with its "review"; a question
    is right when grading gave it full marks, partly right when it earned something.
    """
    by_id = {item["id"]: item for item in body["review"]}
    items = []
    for question in body["questions"]:
        item = by_id.get(question["id"], {})
        score = item.get("score") or 0
        response = body["answers"].get(str(question["id"]))
        items.append(
            {
                "question": question,
                "type_label": TYPE_LABELS.get(question["type"], question["type"]),
                "options": [
                    {"label": LETTERS[i], "text": o["text"]}
                    for i, o in enumerate(question["options"])
                ],
                "response": _candidate_response_text(question, response),
                "correct": _correct_text(question, item) if item else "",
                "explanation": item.get("explanation") or "",
                "score": score,
                "outcome": "right"
                if score and score >= question["points"]
                else ("partial" if score else "wrong"),
            }
        )
    return items
