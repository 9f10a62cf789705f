"""Moodle XML: importing questions from Moodle, and exporting drafts that import back."""

import re
from pathlib import Path

import pytest

from question_bank.rules.moodle_xml import (
    category_knowledge_point,
    parse_moodle_xml,
    write_moodle_xml,
)
from question_bank.rules.types import (
    Difficulty,
    FillRules,
    Option,
    QuestionDraft,
    QuestionType,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "moodle"


def quiz(*questions: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>"
    ).encode()


def category(path: str) -> str:
    return f'<question type="category"><category><text>{path}</text></category></question>'


def question(kind: str, body: str, name: str = "题") -> str:
    return f'<question type="{kind}"><name><text>{name}</text></name>{body}</question>'


def answer(fraction: str, text: str, feedback: str = "") -> str:
    return (
        f'<answer fraction="{fraction}" format="html"><text><![CDATA[{text}]]></text>'
        f'<feedback format="html"><text>{feedback}</text></feedback></answer>'
    )


def stem(html: str) -> str:
    return f'<questiontext format="html"><text><![CDATA[{html}]]></text></questiontext>'


# --- the real Moodle fixture --------------------------------------------------------------


def test_moodle_fixture_with_nested_categories():
    parsed = parse_moodle_xml((FIXTURES / "nested_categories_with_questions.xml").read_bytes())
    assert parsed.file_problems == []
    assert parsed.problems == []
    assert [item.source for item in parsed.items] == [
        "第 1 题（Iota Question）",
        "第 2 题（Kappa Essay Question）",
        "第 3 题（Kappa Question）",
        "第 4 题（Lambda Question）",
        "第 5 题（Mu Question）",
    ]
    assert [(s.source, s.skipped) for s in parsed.skipped] == [
        ("第 2 题（Kappa Essay Question）", "不支持的题型：essay（简答/论述）")
    ]
    assert [(d.type, d.stem, d.answer, d.knowledge_point) for d in parsed.drafts] == [
        (QuestionType.TRUE_FALSE, "Testing Iota Question", True, "Iota"),
        (QuestionType.TRUE_FALSE, "Testing Kappa Question", True, "Iota/Kappa"),
        (QuestionType.TRUE_FALSE, "Testing Lambda Question", True, "Iota/Kappa/Lambda"),
        (QuestionType.TRUE_FALSE, "Testing Mu Question", True, "Iota/Mu"),
    ]
    assert all(d.explanation == "" and d.difficulty is Difficulty.MEDIUM for d in parsed.drafts)


# --- categories -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$course$/Iota/Kappa", "Iota/Kappa"),
        ("$course$/top/Default for 物业管理员培训/法律法规/民法典", "法律法规/民法典"),
        ("$system$/top/Default for System", None),
        ("$module$/默认/安全管理", "安全管理"),
        ("$cat1$/ 设施设备 / 电梯 ", "设施设备/电梯"),
        ("$course$/物业管理员培训的默认类别/客户服务", "客户服务"),
        ("$course$/top", None),
        ("法律法规", "法律法规"),
        ("", None),
    ],
)
def test_category_paths(path, expected):
    assert category_knowledge_point(path) == expected


# --- a realistic export ------------------------------------------------------------------

EXPORT = quiz(
    "<!-- question: 0  -->",
    category("$course$/top/Default for 物业管理员培训/法律法规/民法典"),
    question(
        "multichoice",
        stem("<p>物业服务合同应当采用&nbsp;<strong>（ ）</strong>形式。</p>")
        + '<generalfeedback format="html"><text><![CDATA[<p>见《民法典》<br/>第九百三十八条</p>]]>'
        "</text></generalfeedback>"
        "<single>true</single><shuffleanswers>true</shuffleanswers>"
        + answer("0", "<p>口头</p>", "不对")
        + answer("100", "<p>书面</p>", "正确")
        + answer("50", "电子 &amp; 书面")
        + answer("0", "")
        + "<tags><tag><text>岗位:项目经理</text></tag><tag><text>等级：四级</text></tag>"
        "<tag><text>民法典</text></tag><tag><text>难度:容易</text></tag></tags>",
        name="合同形式",
    ),
    question(
        "multichoice",
        stem("下列属于业主共有部分的有（ ）。")
        + "<single>false</single>"
        + answer("33.33333", "电梯")
        + answer("33.33333", "外墙")
        + answer("-100", "户内卫生间")
        + answer("33.33334", "小区道路"),
    ),
    question("numerical", stem("消防车道宽度不小于多少米？") + answer("100", "4")),
    question("matching", stem("连线")),
    question("ddwtos", stem("拖放")),
    question("description", stem("以下为安全管理部分")),
    question("calculated", stem("计算")),
    category("$course$/top/Default for 物业管理员培训/安全管理"),
    question(
        "shortanswer",
        stem("<p>《物业管理条例》由____颁布。</p>")
        + "<usecase>1</usecase>"
        + answer("100", "国务院")
        + answer("100", "中华人民共和国国务院")
        + answer("50", "国家")
        + answer("0", "*"),
    ),
    question(
        "truefalse",
        stem("发现火情应先报警。")
        + answer("0", "true")
        + answer("100", "false")
        + "<tags><tag><text>岗位:保安</text></tag><tag><text>岗位:保安员</text></tag>"
        "<tag><text>等级:5</text></tag><tag><text>等级:4</text></tag></tags>",
    ),
)


def test_realistic_export():
    parsed = parse_moodle_xml(EXPORT)
    assert parsed.problems == []
    assert [(s.source, s.skipped) for s in parsed.skipped] == [
        ("第 3 题（题）", "不支持的题型：numerical（数值）"),
        ("第 4 题（题）", "不支持的题型：matching（匹配）"),
        ("第 5 题（题）", "不支持的题型：ddwtos（拖放文字）"),
        ("第 6 题（题）", "不支持的题型：description（说明文字，不是试题）"),
        ("第 7 题（题）", "不支持的题型：calculated（计算）"),
    ]
    contract, shared, statute, fire = parsed.drafts
    assert contract == QuestionDraft(
        QuestionType.SINGLE,
        "物业服务合同应当采用 （ ）形式。",
        # The blank answer is dropped as Moodle drops it; 50% credit is simply wrong here.
        [Option("A", "口头"), Option("B", "书面"), Option("C", "电子 & 书面")],
        "B",
        explanation="见《民法典》\n第九百三十八条\n答案反馈：\n选“口头”时：不对\n选“书面”时：正确",
        knowledge_point="法律法规/民法典",
        difficulty=Difficulty.EASY,
        posts=["project_manager"],
        levels=[4],
    )
    # What the bank holds differently is said in the preview, question by question.
    assert parsed.items[0].notes == [
        "部分得分的选项“电子 & 书面”（50%）按错误选项导入",
        "答案反馈已并入解析",
    ]
    assert parsed.items[7].notes == ["部分得分的备选答案“国家”（50%）未导入"]
    assert shared.type is QuestionType.MULTIPLE
    assert shared.answer == ["A", "B", "D"]
    assert [o.text for o in shared.options] == ["电梯", "外墙", "户内卫生间", "小区道路"]
    assert shared.knowledge_point == "法律法规/民法典"
    assert statute.type is QuestionType.FILL
    assert statute.stem == "《物业管理条例》由____颁布。"
    assert statute.blanks == [["国务院", "中华人民共和国国务院"]]
    assert statute.fill_rules == FillRules(ignore_case=False)
    assert statute.knowledge_point == "安全管理"
    assert fire.answer is False
    assert fire.posts == ["security"]
    assert fire.levels == [5, 4]


def test_usecase_absent_means_case_is_ignored():
    parsed = parse_moodle_xml(quiz(question("shortanswer", stem("Who?") + answer("100", "Frog"))))
    assert parsed.drafts[0].fill_rules == FillRules(ignore_case=True)


def test_a_multiple_response_with_one_right_answer_is_a_single_choice():
    parsed = parse_moodle_xml(
        quiz(question("multichoice", stem("题") + "<single>false</single>"
                      + answer("100", "甲") + answer("0", "乙")))
    )  # fmt: skip
    assert parsed.drafts[0].type is QuestionType.SINGLE
    assert parsed.drafts[0].answer == "A"


def test_image_questions_are_skipped():
    parsed = parse_moodle_xml(
        quiz(
            question(
                "truefalse",
                stem('<p>图中标志表示禁止吸烟。<img src="@@PLUGINFILE@@/a.png"></p>')
                + answer("100", "true"),
                name="标志",
            )
        )
    )
    assert parsed.skipped[0].skipped == "题干图片“a.png”不在文件中（文件只引用了它），无法保存"


# --- bad questions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (
            question("multichoice", stem("题") + "".join(answer("0", f"{n}") for n in range(9))),
            "选项最多 8 个（A–H），该题有 9 个",
        ),
        (
            question("multichoice", stem("题") + answer("100", "甲") + answer("100", "乙")),
            "单选题应有且只有一个正确答案",
        ),
        (
            question("multichoice", stem("题") + answer("0", "甲") + answer("0", "乙")),
            "单选题应有且只有一个正确答案",
        ),
        (
            question("multichoice", stem("题") + "<single>false</single>"
                     + answer("50", "甲") + answer("0", "乙")),
            "多选题至少要有 2 个正确答案",
        ),
        (question("multichoice", stem("题") + answer("100", "甲")), "至少需要 2 个选项"),
        (
            question("multichoice", stem("") + answer("100", "甲") + answer("0", "乙")),
            "题干不能为空",
        ),
        (question("multichoice", stem("题") + answer("abc", "甲")), "分值 fraction=“abc”不是数字"),
        (question("truefalse", stem("题") + answer("0", "true")), "判断题没有标明正确答案"),
        (question("shortanswer", stem("题") + answer("100", "Naz*th")), "含有通配符 *"),
        (question("shortanswer", stem("题") + answer("50", "甲")), "第 1 空没有填写可接受的答案"),
        (
            question("truefalse", stem("题") + answer("100", "true")
                     + "<tags><tag><text>岗位:厨师</text></tag></tags>"),
            "标签“岗位:厨师”：岗位“厨师”无法识别",
        ),
        (
            question("truefalse", stem("题") + answer("100", "true")
                     + "<tags><tag><text>难度:极难</text></tag></tags>"),
            "标签“难度:极难”：难度“极难”无法识别",
        ),
    ],
)  # fmt: skip
def test_each_problem_names_the_question(xml, message):
    good = question("truefalse", stem("电梯应当定期检验。") + answer("100", "true"), name="好题")
    parsed = parse_moodle_xml(quiz(good, category("$course$/x"), xml))
    assert parsed.items[1].source == "第 2 题（题）"
    problems = [(p.question, p.message) for p in parsed.problems]
    assert problems and all(number == 2 for number, _ in problems)
    assert any(message in text for _, text in problems), problems
    assert len(parsed.drafts) == 1


# --- bad files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件是空的"),
        (
            b"<quiz>\n<question type='truefalse'>\n</quiz>",
            "第 3 行第 3 列：开始标签和结束标签不配对",
        ),
        (b"<quiz>", "文件不完整"),
        (b"<quiz>&nbsp;</quiz>", "实体（如 &nbsp;）"),
        (b"<quiz></quiz><quiz/>", "根元素之后还有多余的内容"),
        (b"not xml at all", "文件不是有效的 XML：第 1 行"),
        (b'<?xml version="1.0"?><html><body/></html>', "根元素应为 <quiz>，实为 <html>"),
        (b"<quiz/>", "文件中没有试题"),
        (b'<?xml version="1.0" encoding="Big5"?><quiz/>', "不支持文件声明的编码"),
    ],
)
def test_bad_files(data, message):
    parsed = parse_moodle_xml(data)
    assert parsed.items == []
    assert len(parsed.file_problems) == 1
    assert message in parsed.file_problems[0]


@pytest.mark.parametrize(
    "data",
    [
        # billion laughs
        b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>',
        # external entity
        b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<quiz>&x;</quiz>",
        # a bare DOCTYPE
        b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "quiz.dtd"><quiz/>',
    ],
)
def test_doctype_and_entities_are_refused(data):
    assert parse_moodle_xml(data).file_problems == [
        "文件含有 DOCTYPE 或实体（ENTITY）声明，出于安全原因不予导入"
    ]


def test_a_gbk_file_is_read():
    data = (
        '<?xml version="1.0" encoding="GBK"?><quiz>'
        + question("truefalse", stem("业主大会由全体业主组成。") + answer("100", "true"))
        + "</quiz>"
    ).encode("gbk")
    assert parse_moodle_xml(data).drafts[0].stem == "业主大会由全体业主组成。"


# --- cloze ------------------------------------------------------------------------------------


def test_a_short_answer_cloze_is_a_fill_in():
    text = (
        "业主大会会议可以采用{1:SHORTANSWER:=集体讨论~%50%讨论#部分正确}形式，"
        "也可以采用{1:SA:=书面征求意见~=书面征求\\}意见}形式。"
    )
    parsed = parse_moodle_xml(quiz(question("multianswer", stem(text))))
    (draft,) = parsed.drafts
    assert draft.stem == "业主大会会议可以采用____形式，也可以采用____形式。"
    assert draft.blanks == [["集体讨论"], ["书面征求意见", "书面征求}意见"]]
    assert draft.fill_rules.ignore_case
    # The 50% alternative and its feedback are not kept, and the preview says so.
    assert parsed.items[0].notes == [
        "完形填空中部分得分的备选答案未导入",
        "完形填空中的答案反馈未导入",
    ]


def test_a_cloze_with_choices_is_skipped():
    text = "物业费{1:MULTICHOICE:=可以~不可以}随意上涨，{1:SA:=否}"
    parsed = parse_moodle_xml(quiz(question("multianswer", stem(text))))
    assert parsed.skipped[0].skipped == "不支持的题型：multianswer（完形填空中含选择或数值空）"


# --- writing --------------------------------------------------------------------------------

DRAFTS = [
    QuestionDraft(
        QuestionType.SINGLE,
        "物业服务合同应当采用（ ）形式。",
        [Option("A", "口头"), Option("B", "书面 & <电子>"), Option("C", "默示")],
        "B",
        explanation="见《民法典》\n第九百三十八条",
        knowledge_point="法律法规/民法典",
        difficulty=Difficulty.EASY,
        posts=["project_manager", "customer_service"],
        levels=[4, 3],
    ),
    QuestionDraft(
        QuestionType.MULTIPLE,
        "下列属于业主共有部分的有（ ）。",
        [Option("A", "电梯"), Option("B", "外墙"), Option("C", "户内卫生间"), Option("D", "道路")],
        ["A", "B", "D"],
        knowledge_point="法律法规/民法典",
    ),
    QuestionDraft(QuestionType.TRUE_FALSE, "发现火情应先拍照留证。", answer=False, levels=[5]),
    QuestionDraft(
        QuestionType.FILL,
        "星号*的全角是____。",
        blanks=[["＊", "*"]],
        fill_rules=FillRules(trim=False, ignore_width=False, ignore_case=True),
        knowledge_point="安全管理",
        difficulty=Difficulty.HARD,
    ),
    QuestionDraft(
        QuestionType.FILL,
        "业主大会会议可以采用____形式，也可以采用____形式。",
        blanks=[["集体讨论"], ["书面征求意见", "书面{征求}~意见#1\\2"]],
        posts=["security"],
    ),
    QuestionDraft(
        QuestionType.SINGLE,
        "回到民法典的题",
        [Option("A", "甲"), Option("B", "乙")],
        "A",
        knowledge_point="法律法规/民法典",
    ),
]


def test_drafts_round_trip():
    data = write_moodle_xml(DRAFTS)
    parsed = parse_moodle_xml(data)
    assert parsed.problems == []
    assert parsed.skipped == []
    assert parsed.drafts == DRAFTS


def test_writer_shape():
    text = write_moodle_xml(DRAFTS).decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    categories = re.findall(r"<category>\s*<text>(.*?)</text>", text)
    # One category per change: None gets Moodle's own kind of default category.
    assert categories == [
        "$course$/法律法规/民法典",
        "$course$/top/默认",
        "$course$/安全管理",
        "$course$/top/默认",
        "$course$/法律法规/民法典",
    ]
    assert text.count('fraction="33.33333"') == 3
    assert text.count('fraction="-100"') == 1
    assert "<single>true</single>" in text and "<single>false</single>" in text
    assert "<text>岗位:项目经理</text>" in text
    assert "<text>等级:4</text>" in text
    assert "<text>难度:容易</text>" in text
    assert 'type="multianswer"' in text
    # Case matters by default in the bank, so the cloze's sub-questions are case-sensitive.
    assert "采用{1:SHORTANSWER_C:=集体讨论}形式" in text
    assert "{1:SHORTANSWER_C:=书面征求意见~=书面{征求\\}\\~意见\\#1\\\\2}" in text
    assert "<text>星号*的全角是____。</text>" in text  # only answers escape "*"
    assert "<text>\\*</text>" in text


def test_round_trip_with_none_knowledge_point_between():
    drafts = [
        QuestionDraft(QuestionType.TRUE_FALSE, "一", answer=True, knowledge_point="a"),
        QuestionDraft(QuestionType.TRUE_FALSE, "二", answer=True),
        QuestionDraft(QuestionType.TRUE_FALSE, "三", answer=False, knowledge_point="a/b"),
    ]
    assert parse_moodle_xml(write_moodle_xml(drafts)).drafts == drafts


def test_fractions_of_multiple_choice():
    options = [Option(k, k * 2) for k in "ABCDEFG"]
    for correct, fraction in [("AB", "50"), ("ABC", "33.33333"), ("ABCDEF", "16.66667"),
                              ("ABCDEFG", "14.28571"), ("ABCDEFGH"[:4], "25")]:  # fmt: skip
        draft = QuestionDraft(QuestionType.MULTIPLE, "题", options, list(correct))
        text = write_moodle_xml([draft]).decode()
        assert text.count(f'fraction="{fraction}"') == len(correct)
        assert parse_moodle_xml(text.encode()).drafts == [draft]
