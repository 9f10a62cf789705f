"""GIFT files: Moodle's own examples and a property-management question set in Chinese."""

from pathlib import Path

import pytest

from question_bank.rules.gift import parse_gift
from question_bank.rules.types import FillRules, Option, QuestionDraft, QuestionType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "moodle"


def summary(draft: QuestionDraft) -> tuple:
    options = [option.text for option in draft.options]
    return draft.type, draft.stem, options, draft.answer, draft.blanks


# --- Moodle's test fixture -----------------------------------------------------------------


def test_moodle_fixture_questions():
    parsed = parse_gift((FIXTURES / "gift_questions.txt").read_text(encoding="utf-8"))
    assert parsed.problems == []
    assert [(item.source, item.skipped) for item in parsed.skipped] == [
        ("第 1 题（Q8）", "不支持的题型：essay（简答/论述）"),
        ("第 2 题（Moodle activities）", "不支持的题型：match（匹配）"),
        ("第 5 题（Q5）", "不支持的题型：numerical（数值）"),
    ]
    imported = [item for item in parsed.items if not item.skipped]
    assert [item.source for item in imported] == [
        "第 3 题（Q2）",
        "第 4 题（colours）",
        "第 6 题（Shortanswer）",
        "第 7 题（Q1）",
        "第 8 题（2-08 TSL）",
        "第 9 题（2-08 TSL）",
    ]
    spectrum = "What's between orange and green in the spectrum?"
    assert [summary(draft) for draft in parsed.drafts] == [
        # "=yellow # right; good!": feedback dropped, [html]/[plain] markers stripped
        (QuestionType.SINGLE, spectrum, ["yellow", "red", "blue"], "A", []),
        # weights 50/-100/50/-100: the two positive ones are right
        (QuestionType.MULTIPLE, spectrum, ["yellow", "red", "off-beige", "blue"], ["A", "C"], []),
        # "=%50%Cat" (partial credit) and "=%0%*" (catch-all) are dropped
        (QuestionType.FILL, "Which is the best animal?", [], None, [["Frog"]]),
        # the fixture's stray '";' after the braces stays; a judgement never gets a blank
        (QuestionType.TRUE_FALSE, '42 is the Absolute Answer to everything.";', [], False, []),
        (QuestionType.TRUE_FALSE, "TSL is blablabla.", [], True, []),
        (QuestionType.TRUE_FALSE, "TSL is blablabla.", [], True, []),
    ]
    shortanswer, hitchhiker = parsed.drafts[2], parsed.drafts[3]
    assert shortanswer.fill_rules == FillRules(ignore_case=True)  # Moodle's default
    # Answer feedback is kept in the explanation, saying when it shows.
    assert shortanswer.explanation == (
        "答案反馈：\n答“Frog”时：Good!\n答其他内容时：Completely wrong"
    )
    assert hitchhiker.explanation == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference.\n答案反馈：\n"
        "答错时：42 is the Ultimate Answer.\n答对时：You gave the right answer."
    )
    # What the bank cannot hold is said, question by question.
    notes = {item.source: item.notes for item in parsed.items}
    assert notes["第 6 题（Shortanswer）"] == [
        "部分得分的备选答案“Cat”（50%）未导入",
        "答案反馈已并入解析",
    ]
    assert notes["第 3 题（Q2）"] == ["答案反馈已并入解析"]
    assert notes["第 8 题（2-08 TSL）"] == []


def test_moodle_documentation_examples():
    parsed = parse_gift((FIXTURES / "gift_examples.txt").read_text(encoding="utf-8"))
    assert parsed.problems == []
    assert len(parsed.items) == 43
    reasons = [item.skipped for item in parsed.skipped]
    assert reasons.count("不支持的题型：numerical（数值）") == 8
    assert reasons.count("不支持的题型：match（匹配）") == 3
    assert len(reasons) == 11
    by_number = {int(item.source.split()[1]): item for item in parsed.items}

    def draft(number: int) -> QuestionDraft:
        return by_number[number].draft

    # missing word: the answers' place becomes a blank
    assert summary(draft(2)) == (
        QuestionType.SINGLE,
        "Grant is ____ in Grant's tomb.",
        ["buried", "entombed", "living"],
        "B",
        [],
    )
    # answers spread over lines, text after the closing brace
    assert (
        draft(8).stem
        == "The American holiday of Thanksgiving is celebrated on the ____ Thursday of November."
    )
    assert draft(8).answer == "C"
    # a title, and a stem over two lines
    assert by_number[21].source == "第 21 题（Kanji Origins）"
    assert draft(21).stem == "Japanese characters originally\ncame from what country?"
    assert draft(21).blanks == [["China"]]
    # [markdown] marker stripped; without a renderer the text is kept as written
    assert draft(25).stem == "Who's buried in **Grant's tomb**?"
    assert draft(25).blanks == [["no one", "nobody"]]
    # "=" makes a single choice; the 50% answer counts as wrong
    assert summary(draft(27))[2:] == (
        ["wrong answer", "half credit answer", "full credit answer"],
        "C",
        [],
    )
    assert summary(draft(28)) == (
        QuestionType.SINGLE,
        "Jesus Christ was from ____.",
        ["Jerusalem", "Bethlehem", "Galilee", "Nazareth"],
        "D",
        [],
    )
    assert draft(29).blanks == [["Nazareth"]]  # 75% and 25% answers dropped
    # multiple answers by weight, with and without negative weights
    for number in (30, 31):
        assert draft(number).type is QuestionType.MULTIPLE
        assert draft(number).answer == ["B", "C"]
    # escaped control characters
    assert summary(draft(32))[2:] == (["= 2 + 2", "= 2 + 3", "= 2 + 4"], "B", [])
    assert by_number[33].source == "第 33 题（GIFT Control Characters）"
    assert summary(draft(33))[2:] == (["~", "=", "#", "{", "}", "\\"], "F", [])
    # true/false with feedback
    assert draft(26).answer is False
    assert draft(13).answer is True
    assert by_number[43].skipped == "不支持的题型：numerical（数值）"


# --- a Chinese question set ------------------------------------------------------------------

CHINESE = """\ufeff// 河北省物业管理员职业技能培训题库（GIFT 格式）
// 每道题之间空一行

$CATEGORY: $course$/top/Default for 物业管理员培训/法律法规/物业管理条例

::条例第二条::根据《物业管理条例》，物业管理是指业主通过选聘物业服务企业，由业主和物业服务企业按照{
    =物业服务合同#正确。
    ~业主公约#已改称管理规约。
    ~管理规约
    ~委托协议
    ####依据《物业管理条例》第二条。
}约定，对房屋及配套的设施设备和相关场地进行维修、养护、管理。

::装修告知::装修人在住宅室内装饰装修工程开工前，应当告知物业服务企业。{T#应当告知。#正确。}

// 多选题：正分值的选项都是正确答案
::共有部分::下列属于业主共有部分的有（ ）。{
    ~%33.33333%电梯、消防设施
    ~%33.33333%建筑物外墙
    ~%-100%业主户内卫生间
    ~%33.33333%小区内道路
}

$CATEGORY: $course$/top/Default for 物业管理员培训/安全管理
::消防::[html]<p>发现火情应<b>先</b>拨打&nbsp;____&nbsp;报警。</p>{=119 =一一九}

::转义::1 \\= 1、集合 \\{a\\}、\\~、\\#、12\\:00、反斜杠 \\\\。\\n第二行。{TRUE}

业主大会会议分为定期会议和{=临时 =临时会议}会议。
"""


def test_chinese_question_set():
    parsed = parse_gift(CHINESE.replace("\n", "\r\n"))
    assert parsed.problems == []
    assert parsed.skipped == []
    assert [item.source for item in parsed.items] == [
        "第 1 题（条例第二条）",
        "第 2 题（装修告知）",
        "第 3 题（共有部分）",
        "第 4 题（消防）",
        "第 5 题（转义）",
        "第 6 题",
    ]
    regulation, decoration, shared, fire, escapes, meeting = parsed.drafts
    assert regulation == QuestionDraft(
        QuestionType.SINGLE,
        "根据《物业管理条例》，物业管理是指业主通过选聘物业服务企业，由业主和物业服务企业按照____"
        "约定，对房屋及配套的设施设备和相关场地进行维修、养护、管理。",
        [
            Option("A", "物业服务合同"),
            Option("B", "业主公约"),
            Option("C", "管理规约"),
            Option("D", "委托协议"),
        ],
        "A",
        explanation="依据《物业管理条例》第二条。\n答案反馈：\n选“物业服务合同”时：正确。\n"
        "选“业主公约”时：已改称管理规约。",
        knowledge_point="法律法规/物业管理条例",
    )
    assert (decoration.type, decoration.answer, decoration.explanation) == (
        QuestionType.TRUE_FALSE,
        True,
        "答案反馈：\n答错时：应当告知。\n答对时：正确。",
    )
    assert shared.type is QuestionType.MULTIPLE
    assert shared.answer == ["A", "B", "D"]
    assert shared.knowledge_point == "法律法规/物业管理条例"
    # [html]: tags dropped, entities decoded; the blank of the stem is kept
    assert fire.stem == "发现火情应先拨打 ____ 报警。"
    assert fire.blanks == [["119", "一一九"]]
    assert fire.knowledge_point == "安全管理"
    assert escapes.stem == "1 = 1、集合 {a}、~、#、12:00、反斜杠 \\。\n第二行。"
    assert escapes.answer is True
    assert meeting.stem == "业主大会会议分为定期会议和____会议。"
    assert meeting.blanks == [["临时", "临时会议"]]


def test_a_category_written_straight_above_a_question():
    parsed = parse_gift("$CATEGORY: 客户服务/投诉处理\n接到投诉应当及时登记。{T}")
    assert parsed.drafts[0].knowledge_point == "客户服务/投诉处理"
    assert parsed.items[0].source == "第 1 题"


def test_single_choice_by_a_sole_full_weight():
    (draft,) = parse_gift("物业费的收费标准由谁公示？{~%100%物业服务企业 ~业主 ~街道}").drafts
    assert (draft.type, draft.answer) == (QuestionType.SINGLE, "A")


# --- skipped kinds -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("::论述::简述物业服务企业的主要职责。{}", "不支持的题型：essay（简答/论述）"),
        ("::论述::简述职责。{####参考答案略}", "不支持的题型：essay（简答/论述）"),
        ("连线。{=保安->秩序维护 =保洁->环境卫生}", "不支持的题型：match（匹配）"),
        ("消防车道宽度不小于多少米？{#4:0.5}", "不支持的题型：numerical（数值）"),
        ("以下为安全管理部分的试题。", "不支持的题型：description（说明文字，不是试题）"),
        (
            '[html]<p>图中标志表示？<img src="x.png"></p>{=禁止吸烟 ~禁止通行}',
            "题干图片“x.png”不在文件中（文件只引用了它），无法保存",
        ),
    ],
)
def test_skipped_kinds(text, reason):
    parsed = parse_gift(text)
    assert parsed.problems == []
    assert [item.skipped for item in parsed.items] == [reason]


# --- bad questions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("消防通道可以占用吗？{=不可以 ~可以", "花括号不配对"),
        ("消防通道可以占用吗？=不可以 ~可以}", "花括号不配对"),
        ("{~甲 =乙} 与 {=丙 ~丁}", "一道题只能有一组答案"),
        ("选择一项。{~甲 ~乙 ~丙}", "没有标出正确答案"),
        ("选择。{~%50%甲 ~乙 ~丙}", "多选题至少要有 2 个得分选项"),
        ("选择。{=甲 =乙 ~丙}", "单选题应有且只有一个正确答案（= 或 %100%），该题有 2 个"),
        ("选择。{=甲}", None),  # a lone "=" is a short answer, not a bad choice
        ("选择。{=甲 ~}", "选项 B 的内容为空"),
        ("选择。{~0 ~1 ~2 ~3 ~4 ~5 ~6 ~7 =8}", "选项最多 8 个（A–H），该题有 9 个"),
        ("最好的动物是？{=Fr*g}", "含有通配符 *"),
        ("最好的动物是？{=%50%猫}", "填空题没有满分答案"),
        ("::空::{=甲 ~乙}", "题干不能为空"),
    ],
)
def test_each_problem_names_the_question(text, message):
    parsed = parse_gift("::好题::电梯应当定期检验。{T}\n\n// 注释不算一道题\n\n" + text)
    problems = [(p.question, p.message) for p in parsed.problems]
    if message is None:
        assert problems == []
        return
    assert problems and all(number == 2 for number, _ in problems), problems
    assert any(message in text for _, text in problems), problems
    assert parsed.items[1].source.startswith("第 2 题")
    assert len(parsed.drafts) == 1


@pytest.mark.parametrize(
    "text", ["", "   \n\n", "// 只有注释\n// 没有试题\n", "$CATEGORY: 法律法规\n"]
)
def test_files_without_questions(text):
    parsed = parse_gift(text)
    assert parsed.items == []
    assert parsed.file_problems == ["文件中没有试题（GIFT 格式：每道题之间空一行）"]
