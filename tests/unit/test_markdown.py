"""The Markdown sanitiser: formatting kept, anything that could run script removed."""

from markupsafe import Markup

from app.courses.markdown import render_markdown


def test_headings_tables_lists_and_emphasis_are_kept():
    html = render_markdown(
        "# 一级\n\n## 二级\n\n- 甲\n- 乙\n\n1. 一\n\n**重点** *强调* `code`\n\n"
        "> 引用\n\n| 岗位 | 学时 |\n|:--|--:|\n| 保安 | 8 |\n"
    )
    assert isinstance(html, Markup)
    for tag in ("<h1>", "<h2>", "<ul>", "<ol>", "<strong>", "<em>", "<code>", "<blockquote>"):
        assert tag in html
    assert "<table>" in html and "<th" in html and "<td" in html and "保安" in html


def test_script_tags_are_not_passed_through():
    html = render_markdown("前文\n\n<script>alert(1)</script>\n\n<style>body{}</style>")
    assert "<script" not in html and "<style" not in html


def test_event_handlers_and_iframes_are_removed():
    html = render_markdown(
        '<img src="x" onerror="alert(1)">\n\n<iframe src="https://evil"></iframe>'
    )
    assert "<img" not in html and "<iframe" not in html  # shown as text, never as tags
    assert "&lt;iframe" in html


def test_javascript_links_lose_their_href():
    html = render_markdown("[点我](javascript:alert(1)) <a href='javascript:alert(2)'>x</a>")
    assert "<a" not in html and "href=" not in html.replace("&lt;a href=", "")


def test_web_links_get_noopener_and_images_keep_src_and_alt():
    html = render_markdown("[协会](https://www.example.cn) ![示意图](/static/a.png)")
    assert 'href="https://www.example.cn"' in html and "noopener" in html
    assert '<img src="/static/a.png" alt="示意图">' in html


def test_images_from_other_schemes_are_dropped():
    html = render_markdown("![x](data:image/png;base64,AAAA) ![y](javascript:alert(1))")
    assert 'src="data' not in html and 'src="javascript' not in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
