"""Markdown → safe HTML for course descriptions and text lessons.

markdown-it-py renders CommonMark with tables; raw HTML in the source is escaped rather
than passed through, and nh3 then keeps only an allow-list of tags and attributes, so
neither a careless paste nor a hostile author can put script into a learner's page.
"""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}
_URL_SCHEMES = {"http", "https"}  # relative URLs have no scheme and are always kept


def render_markdown(text: str) -> Markup:
    """Render Markdown `text` to sanitised HTML safe to put in a page."""
    html = _md.render(text or "")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
        strip_comments=True,
    )
    return Markup(clean)
