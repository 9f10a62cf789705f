"""Imports from other systems keep what the author meant, or say what they could not keep.

GIFT [markdown] reads as its HTML twin, links keep their web address, a stem image embedded
in the file is kept, what cannot be kept skips the question with the reason, and a file that
is not UTF-8 says which encoding was used (or is refused when that is unsure).
"""

import base64

import pytest

from app.courses.markdown import render_markdown
from question_bank.rules.encoding import UNSURE, decode_text, reads_like_chinese
from question_bank.rules.gift import parse_gift
from question_bank.rules.moodle_xml import parse_moodle_xml
from question_bank.rules.types import answer_signature, normalise_stem, read_html

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 34  # a multiple of 3: no "=" padding
PNG64 = base64.b64encode(PNG).decode()


def gift(text: str):
    return parse_gift(text, markdown=render_markdown)


def only(parsed):
    (item,) = parsed.items
    return item


# --- Markdown ------------------------------------------------------------------------------


def test_gift_markdown_is_rendered_and_is_its_html_twin():
    # GIFT has no blank line inside a question: paragraphs are written with \\n.
    parsed = gift(
        "[markdown]物业服务人应当 **定期** 公开：\\n\\n* 服务事项\\n* 收费标准\\n{T}\n\n"
        "[html]<p>物业服务人应当<strong>定期</strong>公开：</p><ul><li>服务事项</li>"
        "<li>收费标准</li></ul>{T}"
    )
    markdown, html = parsed.drafts
    assert "*" not in markdown.stem
    assert markdown.stem == "物业服务人应当 定期 公开：\n服务事项\n收费标准"
    # The same question for duplicate detection: the same normalised stem and answer.
    assert normalise_stem(markdown.stem).replace(" ", "") == normalise_stem(html.stem).replace(
        " ", ""
    )


def test_moodle_documentation_markdown_question_loses_its_asterisks():
    parsed = gift("[markdown]Who's buried in **Grant's tomb**?{=no one#excellent answer!}")
    assert parsed.drafts[0].stem == "Who's buried in Grant's tomb?"
    twin = gift("[html]Who's buried in <b>Grant's tomb</b>?{=no one#excellent answer!}")
    assert normalise_stem(parsed.drafts[0].stem) == normalise_stem(twin.drafts[0].stem)
    assert answer_signature(parsed.drafts[0]) == answer_signature(twin.drafts[0])


def test_moodle_xml_markdown_text_is_rendered():
    xml = (
        '<quiz><question type="truefalse"><name><text>M</text></name>'
        '<questiontext format="markdown"><text>消防通道 **严禁** 占用。</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    )
    assert parse_moodle_xml(xml.encode(), markdown=render_markdown).drafts[0].stem == (
        "消防通道 严禁 占用。"
    )


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            '详见<a href="https://flk.npc.gov.cn/detail">《民法典》</a>第九百三十九条。',
            "详见《民法典》（https://flk.npc.gov.cn/detail）第九百三十九条。",
        ),
        (
            '<a href="https://www.mohurd.gov.cn/">https://www.mohurd.gov.cn/</a>',
            "https://www.mohurd.gov.cn/",
        ),
        ('<a href="https://a.cn/x"></a>见上', "https://a.cn/x见上"),
        ('<a href="#top">回到顶部</a>', "回到顶部"),
    ],
)
def test_links_keep_their_web_address(html, text):
    assert read_html(html).text == text


def test_a_link_to_no_web_address_keeps_its_words_and_says_so():
    item = only(gift('[html]请阅读<a href="javascript:alert(1)">通知</a>后作答。{T}'))
    assert item.draft.stem == "请阅读通知后作答。"
    assert item.notes == ["题干中的链接“通知”不是网页地址，只保留了文字"]


def test_markdown_links_read_as_html_links():
    parsed = gift(
        "[markdown]详见[管理规约示范文本](https://example.gov.cn/gy)。{T}\n\n"
        '[html]详见<a href="https://example.gov.cn/gy">管理规约示范文本</a>。{T}'
    )
    assert [d.stem for d in parsed.drafts] == [
        "详见管理规约示范文本（https://example.gov.cn/gy）。"
    ] * 2


# --- media and files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            '[html]听录音回答：<audio src="@@PLUGINFILE@@/a.mp3"></audio>{T}',
            "题干含有音频、视频等媒体（<audio>），本系统无法保存",
        ),
        (
            '[html]看视频：<video><source src="v.mp4"></video>{T}',
            "题干含有音频、视频等媒体（<video>），本系统无法保存",
        ),
        (
            '[html]依据<a href="@@PLUGINFILE@@/%E8%A7%84%E5%AE%9A.pdf">规定</a>作答。{T}',
            "题干链接的文件“规定.pdf”没有随文件导出，无法保存",
        ),
        (
            '[html]图中标志是？<img src="https://example.com/a.png">{=禁止吸烟 ~禁止通行}',
            "题干图片来自外部地址（https://example.com/a.png），本系统不下载外部图片",
        ),
        (
            '图中标志是？{=[html]<img src\\="data:image/png;base64,' + PNG64 + '"> ~禁止通行}',
            "选项含有图片，本系统只能保存题干中的一张图片",
        ),
        (
            f'[html]<img src="data:image/png;base64,{PNG64}"><img src="data:image/png;base64,'
            f'{PNG64}">两图相同吗？{{T}}',
            "题干含有 2 张图片，本系统每道题只能保存一张",
        ),
    ],
    ids=["audio", "video", "file-link", "external-image", "option-image", "two-images"],
)
def test_what_cannot_be_kept_skips_the_question_with_the_reason(text, reason):
    item = only(gift(text))
    assert (item.draft, item.skipped) == (None, reason)


def test_a_gift_stem_image_given_as_data_is_kept():
    item = only(
        gift(f'[html]<p>下图标志的含义是？</p><img src="data:image/png;base64,{PNG64}">{{T}}')
    )
    assert item.skipped is None and item.problems == []
    assert item.draft.stem == "下图标志的含义是？"
    assert item.image.data == PNG


def moodle_image_question(src: str, files: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><quiz><question type="multichoice">'
        "<name><text>标志</text></name>"
        f'<questiontext format="html"><text><![CDATA[<p>图中标志表示（ ）。</p><p><img src="{src}"'
        f' alt="标志"></p>]]></text>{files}</questiontext>'
        '<answer fraction="100"><text>禁止吸烟</text></answer>'
        '<answer fraction="0"><text>禁止通行</text></answer></question></quiz>'
    ).encode()


def test_a_moodle_stem_image_embedded_as_base64_is_kept():
    xml = moodle_image_question(
        "@@PLUGINFILE@@/%E7%A6%81%E7%83%9F.png",
        f'<file name="禁烟.png" path="/" encoding="base64">{PNG64[:20]}\n{PNG64[20:]}</file>',
    )
    item = only(parse_moodle_xml(xml))
    assert item.skipped is None and item.problems == []
    assert (item.image.name, item.image.data) == ("禁烟.png", PNG)
    assert item.draft.stem == "图中标志表示（ ）。"


def test_a_moodle_stem_image_without_its_file_skips_the_question():
    item = only(parse_moodle_xml(moodle_image_question("@@PLUGINFILE@@/a.png", "")))
    assert item.skipped == "题干图片“a.png”不在文件中（文件只引用了它），无法保存"


def test_moodle_hints_and_combined_feedback_are_noted():
    xml = (
        '<quiz><question type="truefalse"><name><text>H</text></name>'
        "<questiontext><text>物业费应当公示。</text></questiontext>"
        "<correctfeedback><text>你的答案正确。</text></correctfeedback>"
        '<answer fraction="100"><text>true</text><feedback><text>对，依据条例。</text></feedback>'
        '</answer><answer fraction="0"><text>false</text></answer>'
        "<hint><text>想想条例</text></hint></question></quiz>"
    )
    item = only(parse_moodle_xml(xml.encode()))
    assert item.draft.explanation == "答案反馈：\n选“对”时：对，依据条例。"
    assert item.notes == [
        "答案反馈已并入解析",
        "答对、部分正确、答错时的总体反馈未导入",
        "提示（1 条）未导入",
    ]


def test_feedback_that_would_overflow_the_explanation_is_noted_not_merged():
    long = "很长的反馈" * 900
    item = only(gift(f"物业费应当公示。{{T#{long}#对}}"))
    assert item.draft.explanation == ""
    assert item.notes == ["答案反馈未导入：并入解析将超过 4000 字"]


# --- encodings -----------------------------------------------------------------------------

CHINESE = "::条例::物业服务企业应当按照合同约定提供服务。{T}\n"


def test_utf8_needs_no_word():
    assert decode_text(CHINESE.encode()) == (CHINESE, None)
    assert decode_text(b"\xef\xbb\xbf" + CHINESE.encode()) == (CHINESE, None)


@pytest.mark.parametrize(
    ("codec", "name"), [("gb18030", "GB18030"), ("gbk", "GB18030"), ("utf-16", "UTF-16")]
)
def test_other_encodings_are_said(codec, name):
    assert decode_text(CHINESE.encode(codec)) == (
        CHINESE,
        f"文件编码：{name}（非 UTF-8，已自动识别）",
    )


@pytest.mark.parametrize(
    "data",
    [
        "::條例::物業服務企業應當按照合同約定提供服務。{T}".encode("big5"),
        "Question de sécurité : où est l'extincteur ? {T}".encode("latin-1"),
    ],
    ids=["big5", "latin-1"],
)
def test_unsure_encodings_are_refused(data):
    assert decode_text(data) == (None, UNSURE)


def test_reads_like_chinese_wants_everyday_characters():
    assert reads_like_chinese("物业服务合同")
    assert not reads_like_chinese("abc")


def test_a_moodle_file_without_declaration_in_gbk_is_read_and_said():
    xml = (
        '<quiz><question type="truefalse"><name><text>题</text></name>'
        "<questiontext><text>发现火情应先报警。</text></questiontext>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    ).encode("gbk")
    parsed = parse_moodle_xml(xml)
    assert parsed.drafts[0].stem == "发现火情应先报警。"
    assert parsed.notes == ["文件编码：GB18030（非 UTF-8，已自动识别）"]
    declared = b'<?xml version="1.0" encoding="GBK"?>' + xml
    assert parse_moodle_xml(declared).notes == ["文件编码：GBK（按文件的声明读取）"]
    big5 = "<quiz><question><questiontext><text>發現火情應先報警，物業服務企業應當處理。"
    refused = parse_moodle_xml((big5 + "</text></questiontext></question></quiz>").encode("big5"))
    assert refused.items == [] and "无法确定文件编码" in refused.file_problems[0]
