"""The question bank's Excel template: reading filled-in rows, and writing drafts back."""

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import Workbook

from app.spreadsheet import read_first_sheet
from question_bank.rules.excel import HEADERS, MAX_ROWS, excel_rows, parse_excel_table
from question_bank.rules.types import (
    Difficulty,
    FillRules,
    Option,
    QuestionDraft,
    QuestionType,
)


def row(type_, stem, options=(), answer=None, **cells) -> tuple:
    """A template row; keyword cells by header: 解析=…, 知识点=…, 难度=…, 岗位=…, 等级=…"""
    values = {"题型": type_, "题干": stem, "答案": answer, **cells}
    values.update({f"选项{key}": text for key, text in zip("ABCDEFGH", options, strict=False)})
    return tuple(values.get(header) for header in HEADERS)


def parse(*rows):
    return parse_excel_table([HEADERS, *rows])


def problems_of(parsed) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in parsed.problems]


# --- realistic content --------------------------------------------------------------------


def test_reads_every_type_of_a_filled_in_template():
    parsed = parse(
        row(
            "单选",
            "物业服务合同应当采用（ ）形式。",
            ["口头", "书面", "默示"],
            "B",
            解析="《民法典》第九百三十八条：物业服务合同应当采用书面形式。",
            知识点="法律法规/民法典/物业服务合同",
            难度="容易",
            岗位="项目经理、客服",
            等级="四级、三级",
        ),
        row(
            "多选",
            "下列属于业主共有部分的有（ ）。",
            ["电梯、消防设施", "建筑物外墙", "业主户内卫生间", "小区道路"],
            "ABD",
            知识点="法律法规/民法典/建筑物区分所有权",
            难度="中等",
            岗位="通用",
        ),
        row("判断", "物业服务人可以采取停止供电的方式催交物业费。", answer="错", 难度="较难"),
        row(
            "填空",
            "业主大会会议分为____会议和____会议。",
            answer="定期|临时",
            岗位="项目经理",
            等级="二级/技师",
        ),
    )
    assert problems_of(parsed) == []
    assert parsed.drafts == [
        QuestionDraft(
            QuestionType.SINGLE,
            "物业服务合同应当采用（ ）形式。",
            [Option("A", "口头"), Option("B", "书面"), Option("C", "默示")],
            "B",
            explanation="《民法典》第九百三十八条：物业服务合同应当采用书面形式。",
            knowledge_point="法律法规/民法典/物业服务合同",
            difficulty=Difficulty.EASY,
            posts=["project_manager", "customer_service"],
            levels=[4, 3],
        ),
        QuestionDraft(
            QuestionType.MULTIPLE,
            "下列属于业主共有部分的有（ ）。",
            [
                Option("A", "电梯、消防设施"),
                Option("B", "建筑物外墙"),
                Option("C", "业主户内卫生间"),
                Option("D", "小区道路"),
            ],
            ["A", "B", "D"],
            knowledge_point="法律法规/民法典/建筑物区分所有权",
        ),
        QuestionDraft(
            QuestionType.TRUE_FALSE,
            "物业服务人可以采取停止供电的方式催交物业费。",
            answer=False,
            difficulty=Difficulty.HARD,
        ),
        QuestionDraft(
            QuestionType.FILL,
            "业主大会会议分为____会议和____会议。",
            blanks=[["定期"], ["临时"]],
            posts=["project_manager"],
            levels=[2],
        ),
    ]
    assert [item.source for item in parsed.items] == ["第 2 行", "第 3 行", "第 4 行", "第 5 行"]


@pytest.mark.parametrize("answer", ["B", "b", "Ｂ", " B "])
def test_single_answer_spellings(answer):
    (draft,) = parse(row("单选", "题干", ["甲", "乙"], answer)).drafts
    assert draft.answer == "B"


@pytest.mark.parametrize(
    "answer", ["ACD", "A,C,D", "A、C、D", "a，c，d", "C A D", "ＡＣＤ", "ACDA"]
)
def test_multiple_answer_spellings(answer):
    (draft,) = parse(row("多选", "题干", ["甲", "乙", "丙", "丁"], answer)).drafts
    assert draft.answer == ["A", "C", "D"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("对", True), ("正确", True), ("√", True), ("T", True), (True, True), ("是", True)]
    + [("错", False), ("错误", False), ("×", False), ("f", False), ("false", False), ("否", False)],
)
def test_true_false_answer_spellings(answer, expected):
    (draft,) = parse(row("判断", "题干", answer=answer)).drafts
    assert draft.answer is expected


def test_a_judgement_ignores_option_columns_but_reads_a_letter_through_them():
    (draft,) = parse(row("判断题", "电梯年检由物业服务企业负责。", ["正确", "错误"], "B")).drafts
    assert draft.options == []
    assert draft.answer is False


def test_fill_answers_blanks_and_alternatives():
    (draft,) = parse(
        row(
            "填空",
            "____负责选聘物业服务企业，业主大会会议应有专有部分面积占比____以上的业主参加。",
            answer=" 业主大会 / 业主委员会 ｜ 三分之二/2/3\\/3 ",
        )
    ).drafts
    assert draft.blanks == [["业主大会", "业主委员会"], ["三分之二", "2", "3/3"]]
    assert draft.fill_rules == FillRules()


def test_numbers_in_cells():
    (draft,) = parse(row("填空", "消防车道宽度不应小于____米。", answer=4.0, 等级=5.0)).drafts
    assert draft.blanks == [["4"]]
    assert draft.levels == [5]


def test_empty_difficulty_is_medium_and_posts_split_on_any_separator():
    (draft,) = parse(
        row("单选", "题干", ["甲", "乙"], "A", 岗位="保安；保洁,绿化 维修，客服")
    ).drafts
    assert draft.difficulty is Difficulty.MEDIUM
    assert draft.posts == ["security", "cleaning", "greening", "maintenance", "customer_service"]


def test_header_found_by_name_in_any_order_below_a_title_with_extra_columns():
    table = [
        ("河北省物业管理行业职业技能题库", None, None, None, None, None),
        (None, None, None, None, None, None),
        ("序号", "答案", "题干", "选项 A", "选项b", "试题类型"),
        (1, "A", "《物业管理条例》由国务院颁布。", "对", "错", "单选"),
        (2, None, None, None, None, None),  # a pre-numbered row left empty
    ]
    parsed = parse_excel_table(table)
    assert problems_of(parsed) == []
    (item,) = parsed.items
    assert item.source == "第 4 行"
    assert item.draft.options == [Option("A", "对"), Option("B", "错")]


def test_multi_line_cells_keep_their_lines():
    (draft,) = parse(
        row("单选", "阅读材料：\r\n某小区……\r\n问：应当如何处理？", ["甲\n乙", "丙"], "A")
    ).drafts
    assert draft.stem == "阅读材料：\n某小区……\n问：应当如何处理？"
    assert draft.options[0].text == "甲\n乙"


# --- bad input, located by row and column -----------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (row(None, "题干", ["甲", "乙"], "A"), "题型", "题型不能为空"),
        (row("简答", "题干", answer="略"), "题型", "题型“简答”无法识别"),
        (row("单选", None, ["甲", "乙"], "A"), "题干", "题干不能为空"),
        (row("单选", "题干", ["甲"], "A"), "选项B", "至少需要 2 个选项"),
        (row("单选", "题干", ["甲", None, "丙"], "A"), "选项B", "缺少选项 B"),
        (row("单选", "题干", ["甲", "甲"], "A"), "选项B", "选项 B 与选项 A 内容相同"),
        (row("单选", "题干", ["甲", "乙"], None), "答案", "答案不能为空"),
        (row("单选", "题干", ["甲", "乙"], "AB"), "答案", "单选题只能有一个正确答案"),
        (row("单选", "题干", ["甲", "乙"], "1"), "答案", "应为选项字母"),
        (row("单选", "题干", ["甲", "乙"], "C"), "答案", "答案 C 没有对应的选项"),
        (row("多选", "题干", ["甲", "乙", "丙"], "B"), "答案", "至少要有 2 个正确答案"),
        (row("多选", "题干", ["甲", "乙", "丙"], "ABZ"), "答案", "应为选项字母"),
        (row("判断", "题干", answer="不一定"), "答案", "判断题的答案应填“对”或“错”"),
        (row("填空", "题干____", answer="/ |三十"), "答案", "第 1 空没有填写可接受的答案"),
        (row("填空", "题干____", ["选项"], "三十"), "选项A", "填空题不填选项"),
        (row("填空", "题干", answer=datetime(2024, 3, 4)), "答案", "被 Excel 自动转换成了日期"),
        (row("判断", "题干", answer="对", 难度="很难"), "难度", "难度“很难”无法识别"),
        (row("判断", "题干", answer="对", 岗位="保安、厨师"), "岗位", "岗位“厨师”无法识别"),
        (row("判断", "题干", answer="对", 等级="六级"), "等级", "等级“六级”无法识别"),
    ],
)
def test_each_problem_names_row_and_column(bad_row, column, message):
    good = row("判断", "电梯应当定期检验。", answer="对")
    parsed = parse(good, bad_row)
    assert [item.source for item in parsed.items] == ["第 2 行", "第 3 行"]
    problems = problems_of(parsed)
    assert problems, "the bad row must be reported"
    assert all(r == 3 for r, _, _ in problems)
    assert any(c == column and message in m for _, c, m in problems), problems
    assert parsed.drafts == [parsed.items[0].draft]


def test_a_cell_is_reported_once():
    parsed = parse(row("单选", "题干", ["甲", "乙"], "AB"))
    assert [(c, m[:12]) for _, c, m in problems_of(parsed)] == [
        ("答案", "单选题只能有一个正确答案")
    ]


def test_problems_of_a_row_come_in_sheet_order():
    parsed = parse(row("单选", "", ["甲", "乙"], "C", 等级="六级", 难度="很难"))
    assert [c for _, c, _ in problems_of(parsed)] == ["题干", "答案", "难度", "等级"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([], "文件是空的"),
        ([("姓名", "身份证号")], "缺少表头"),
        ([("题型", "题干", "选项A")], "缺少必需的列“答案”"),
        ([("题型", "题干", "答案", "答案")], "“答案”列出现了两次（第 C 列和第 D 列）"),
        ([HEADERS, (None,) * len(HEADERS)], "没有试题"),
    ],
)
def test_file_problems(table, message):
    parsed = parse_excel_table(table)
    assert parsed.items == []
    assert len(parsed.file_problems) == 1
    assert message in parsed.file_problems[0]
    assert parsed.problems[0].message == parsed.file_problems[0]


def test_too_many_rows():
    table = [HEADERS] + [row("判断", f"第{n}题", answer="对") for n in range(MAX_ROWS + 1)]
    assert "一次最多导入" in parse_excel_table(table).file_problems[0]


# --- writing ----------------------------------------------------------------------------

DRAFTS = [
    QuestionDraft(
        QuestionType.SINGLE,
        "发生火灾时，保安员首先应当（ ）。",
        [Option("A", "报警"), Option("B", "逃离"), Option("C", "拍照"), Option("D", "=SUM(A1)")],
        "A",
        explanation="先报警，再组织疏散。",
        knowledge_point="安全管理/消防",
        difficulty=Difficulty.EASY,
        posts=["security"],
        levels=[5, 4],
    ),
    QuestionDraft(
        QuestionType.MULTIPLE,
        "二次供水水箱清洗消毒后应当（ ）。",
        [Option("A", "取样送检"), Option("B", "公示检测结果"), Option("C", "直接供水")],
        ["A", "B"],
        posts=["maintenance", "cleaning"],
    ),
    QuestionDraft(QuestionType.TRUE_FALSE, "业主可以拒绝交纳物业费。", answer=False),
    QuestionDraft(
        QuestionType.FILL,
        "电梯每____日至少进行一次清洁、润滑、调整和检查；变比为 1/2 的是____。",
        blanks=[["15", "十五"], ["1/2", "a|b"]],
        difficulty=Difficulty.HARD,
        levels=[1],
    ),
]


def test_rows_parse_back_to_the_same_drafts():
    rows = excel_rows(DRAFTS)
    assert rows[0] == list(HEADERS)
    parsed = parse_excel_table(rows)
    assert problems_of(parsed) == []
    assert parsed.drafts == DRAFTS
    assert excel_rows(parsed.drafts) == rows


def test_rows_spell_cells_as_the_template_asks():
    _, first, second, third, fourth = excel_rows(DRAFTS)
    column = {header: index for index, header in enumerate(HEADERS)}
    assert first[column["题型"]] == "单选"
    assert first[column["等级"]] == "五级、四级"
    assert first[column["岗位"]] == "保安"
    assert first[column["难度"]] == "容易"
    assert second[column["答案"]] == "AB"
    assert second[column["岗位"]] == "维修、保洁"
    assert second[column["选项D"]] is None
    assert third[column["答案"]] == "错"
    assert fourth[column["答案"]] == "15/十五|1\\/2/a\\|b"


def test_rows_from_the_sheet_to_drafts_to_rows():
    rows = [
        list(HEADERS),
        ["单选", "物业服务合同应当采用（ ）形式。", "口头", "书面", None, None, None, None, None,
         None, "B", "见民法典", "法律法规/民法典", "容易", "客服", "四级"],
        ["判断", "业主可以拒绝交纳物业费。", None, None, None, None, None, None, None, None,
         "错", None, None, "中等", None, None],
    ]  # fmt: skip
    assert excel_rows(parse_excel_table(rows).drafts) == rows


def test_through_a_real_xlsx_file():
    book = Workbook()
    for cells in excel_rows(DRAFTS):
        book.active.append(cells)
    for cells in book.active.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buffer = BytesIO()
    book.save(buffer)
    assert parse_excel_table(read_first_sheet(buffer.getvalue())).drafts == DRAFTS
