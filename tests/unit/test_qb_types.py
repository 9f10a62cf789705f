"""Question drafts: labels, parsing of cells, validation, normalisation and fill matching."""

import pytest

from question_bank.rules.types import (
    LEVELS,
    Difficulty,
    FillRules,
    ImportItem,
    Option,
    ParsedFile,
    Problem,
    QuestionDraft,
    QuestionType,
    answer_signature,
    draft_problems,
    field_problems,
    fill_matches,
    html_to_text,
    normalise_fill,
    normalise_knowledge_point,
    normalise_stem,
    parse_difficulty,
    parse_levels,
    parse_posts,
    parse_true_false,
    parse_type,
)


def single(**changes) -> QuestionDraft:
    draft = QuestionDraft(
        QuestionType.SINGLE,
        "物业服务合同应当采用（ ）形式。",
        [Option("A", "口头"), Option("B", "书面"), Option("C", "默示")],
        "B",
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    return draft


# --- labels and cells -------------------------------------------------------------------


def test_labels():
    assert [t.label for t in QuestionType] == ["单选", "多选", "判断", "填空"]
    assert [d.label for d in Difficulty] == ["容易", "中等", "困难"]
    assert QuestionType.TRUE_FALSE == "true_false"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("单选", QuestionType.SINGLE),
        ("单选题", QuestionType.SINGLE),
        (" 单项选择题 ", QuestionType.SINGLE),
        ("multiple", QuestionType.MULTIPLE),
        ("多选题", QuestionType.MULTIPLE),
        ("判断题", QuestionType.TRUE_FALSE),
        ("TRUE_FALSE", QuestionType.TRUE_FALSE),
        ("填空", QuestionType.FILL),
        ("简答", None),
        (None, None),
    ],
)
def test_parse_type(text, expected):
    assert parse_type(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("容易", Difficulty.EASY),
        ("简单", Difficulty.EASY),
        ("中等", Difficulty.MEDIUM),
        ("medium", Difficulty.MEDIUM),
        ("较难", Difficulty.HARD),
        ("难", Difficulty.HARD),
        ("困难", Difficulty.HARD),
        ("很难", None),
    ],
)
def test_parse_difficulty(text, expected):
    assert parse_difficulty(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("五级", [5]),
        ("初级工", [5]),
        ("初级", [5]),
        ("5级", [5]),
        ("５级", [5]),
        (4, [4]),
        (4.0, [4]),
        ("四级/中级工", [4]),
        ("四级（中级工）", [4]),
        ("四级、三级", [4, 3]),
        ("三级,四级", [3, 4]),
        ("技师；高级技师", [2, 1]),
        ("高级", [3]),
        ("四级 四级", [4]),
        ("全部", []),
        ("", []),
        (None, []),
    ],
)
def test_parse_levels(text, expected):
    assert parse_levels(text) == expected


def test_parse_levels_names_the_unknown_part():
    with pytest.raises(ValueError, match="等级“六级”无法识别"):
        parse_levels("四级、六级")


def test_parse_posts():
    assert parse_posts("客服、保安员 , 秩序维护") == ["customer_service", "security"]
    assert parse_posts("通用") == []
    assert parse_posts(None) == []
    with pytest.raises(ValueError, match="岗位“厨师”无法识别"):
        parse_posts("保洁；厨师")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("对", True), ("正确", True), ("√", True), ("T", True), ("true", True), ("是", True)]
    + [("错", False), ("错误", False), ("×", False), ("F", False), ("否", False)]
    + [(True, True), ("也许", None), (None, None)],
)
def test_parse_true_false(text, expected):
    assert parse_true_false(text) is expected


def test_knowledge_point_segments_are_trimmed():
    assert (
        normalise_knowledge_point(" 法律法规 / 民法典／物业服务合同 ")
        == "法律法规/民法典/物业服务合同"
    )
    assert normalise_knowledge_point("//") is None
    assert normalise_knowledge_point(None) is None


def test_levels_table():
    assert list(LEVELS) == [5, 4, 3, 2, 1]


# --- validation -------------------------------------------------------------------------


def test_a_valid_draft_of_each_type():
    assert draft_problems(single()) == []
    multiple = QuestionDraft(
        QuestionType.MULTIPLE,
        "下列属于业主共有部分的有（ ）。",
        [Option("A", "电梯"), Option("B", "外墙"), Option("C", "户内卫生间")],
        ["A", "B"],
        posts=["security"],
        levels=[4],
    )
    judgement = QuestionDraft(QuestionType.TRUE_FALSE, "物业服务人可以擅自停水停电。", answer=False)
    fill = QuestionDraft(
        QuestionType.FILL, "业主大会会议分为____会议和临时会议。", blanks=[["定期"]]
    )
    for draft in (multiple, judgement, fill):
        assert draft_problems(draft) == []


@pytest.mark.parametrize(
    ("draft", "field", "message"),
    [
        (single(stem="  "), "stem", "题干不能为空"),
        (single(options=[Option("A", "口头")], answer="A"), "option:B", "至少需要 2 个选项"),
        (
            single(options=[Option("A", "a"), Option("C", "c")], answer="A"),
            "option:B",
            "缺少选项 B",
        ),
        (
            single(options=[Option(k, k) for k in "ABCDEFGHI"], answer="A"),
            "option:H",
            "选项最多 8 个",
        ),
        (single(options=[Option("A", "口头"), Option("B", " ")]), "option:B", "选项 B 的内容为空"),
        (single(options=[Option("A", "书面"), Option("B", "书面 ")]), "option:B", "内容相同"),
        (single(answer="D"), "answer", "答案 D 没有对应的选项"),
        (single(answer=["A", "B"]), "answer", "有且只有一个正确答案"),
        (single(answer=None), "answer", "有且只有一个正确答案"),
        (single(type=QuestionType.MULTIPLE, answer=["B"]), "answer", "至少要有 2 个正确答案"),
        (single(type=QuestionType.MULTIPLE, answer=["B", "E"]), "answer", "E 没有对应的选项"),
        (single(type=QuestionType.TRUE_FALSE, options=[], answer="对"), "answer", "“对”或“错”"),
        (single(type=QuestionType.FILL, options=[], answer=None), "answer", "至少要有一个空"),
        (
            single(type=QuestionType.FILL, options=[], answer=None, blanks=[["a"], [" "]]),
            "answer",
            "第 2 空没有填写可接受的答案",
        ),
        (single(type=QuestionType.FILL, blanks=[["a"]]), "option:A", "填空题不设选项"),
        (single(posts=["cook"]), "posts", "岗位“cook”无法识别"),
        (single(levels=[6]), "levels", "等级“6”无效"),
    ],
)
def test_draft_problems(draft, field, message):
    problems = field_problems(draft)
    assert any(f == field and message in m for f, m in problems), problems
    assert draft_problems(draft) == [m for _, m in problems]


def test_blank_markers_need_not_match_the_number_of_blanks():
    draft = QuestionDraft(QuestionType.FILL, "物业管理区域内____。", blanks=[["a"], ["b"]])
    assert draft_problems(draft) == []


def test_parsed_file_views():
    good = ImportItem("第 2 行", single(), [])
    bad = ImportItem("第 3 行", single(answer="Z"), [Problem("答案 Z 没有对应的选项", row=3)])
    skipped = ImportItem("第 4 题", None, [], skipped="不支持的题型：essay（简答/论述）")
    parsed = ParsedFile([good, bad, skipped], ["文件有问题"])
    assert parsed.drafts == [good.draft]
    assert parsed.skipped == [skipped]
    assert [p.message for p in parsed.problems] == ["文件有问题", "答案 Z 没有对应的选项"]


# --- normalisation ----------------------------------------------------------------------


def test_normalise_stem_for_duplicates_and_search():
    assert (
        normalise_stem("<p>物业服务合同应当采用（　）形式。</p>") == "物业服务合同应当采用( )形式。"
    )
    assert normalise_stem("  ＡＢＣ \n  def ") == "abc def"
    assert normalise_stem("3 < 5 and 6 > 4") == "3 < 5 and 6 > 4"


def test_html_to_text_keeps_paragraphs_and_breaks():
    html = "<p>第一段&nbsp;<b>加粗</b></p>\n<p>第二段<br>换行 &amp; 实体</p><script>x()</script>"
    assert html_to_text(html) == "第一段 加粗\n第二段\n换行 & 实体"


def test_answer_signature_ignores_option_order_and_letters():
    shuffled = single(options=[Option("A", "书面"), Option("B", "口头"), Option("C", "默示")])
    shuffled.answer = "A"
    assert answer_signature(shuffled) == answer_signature(single())
    assert answer_signature(single(answer="A")) != answer_signature(single())


def test_answer_signature_of_judgements_and_fills():
    assert answer_signature(single(type=QuestionType.TRUE_FALSE, answer=True)) == "true"
    assert answer_signature(single(type=QuestionType.TRUE_FALSE, answer=False)) == "false"
    one = QuestionDraft(QuestionType.FILL, "x", blanks=[["业主大会", "业主 大会"], ["３０"]])
    other = QuestionDraft(QuestionType.FILL, "x", blanks=[["业主  大会", "业主大会"], ["30"]])
    assert answer_signature(one) == answer_signature(other)


# --- fill matching ----------------------------------------------------------------------


def test_fill_rules_defaults():
    rules = FillRules()
    assert fill_matches(" 业主 大会 ", ["业主 大会"], rules)
    assert fill_matches("３０", ["30"], rules)  # full-width digits
    assert fill_matches("ＡＢＣ", ["ABC"], rules)
    assert fill_matches("　三十　", ["三十"], rules)  # ideographic spaces
    assert not fill_matches("abc", ["ABC"], rules)  # case matters by default
    assert not fill_matches("", ["三十"], rules)
    assert not fill_matches("  ", [" "], rules)


def test_fill_rules_switched():
    assert fill_matches("abc", ["ABC"], FillRules(ignore_case=True))
    assert fill_matches("ａｂｃ", ["ABC"], FillRules(ignore_case=True))
    assert not fill_matches("３０", ["30"], FillRules(ignore_width=False))
    assert not fill_matches(" 30", ["30"], FillRules(trim=False))
    assert fill_matches("30", ["30"], FillRules(trim=False, ignore_width=False))


def test_normalise_fill():
    assert normalise_fill("  Ｆｒｏｇ   Ｐｏｎｄ ", FillRules(ignore_case=True)) == "frog pond"
    assert normalise_fill(" a  b ", FillRules(trim=False)) == " a  b "
