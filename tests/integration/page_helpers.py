"""Helpers for tests of the server-rendered pages: forms, CSRF tokens, parsing HTML, .xlsx."""

import html
import re
from io import BytesIO
from urllib.parse import urlencode

from openpyxl import Workbook, load_workbook

from app.orgs.rules.roster import HEADERS
from tests import factories

_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
_NAV = re.compile(r'<a class="nav-link(?: active)?" href="[^"]*">([^<]+)</a>')


def page(response) -> str:
    """The response body as (unescaped) text."""
    return html.unescape(response.get_data(as_text=True))


def csrf_of(response) -> str:
    """The CSRF token rendered into a page's form."""
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no csrf_token on the page"
    return match.group(1)


def nav_labels(response) -> list[str]:
    """The labels of the main navigation bar."""
    return _NAV.findall(response.get_data(as_text=True))


def submit(client, url: str, data: dict | None = None, **kwargs):
    """GET a page with a form, then POST `data` to it with the page's CSRF token."""
    form_page = client.get(url)
    assert form_page.status_code == 200, form_page.status_code
    return client.post(url, data={"csrf_token": csrf_of(form_page), **(data or {})}, **kwargs)


def form_login(client, username: str, password: str = factories.PASSWORD, next_: str | None = None):
    """Log in through the HTML login form; answers the POST's response."""
    url = "/login" if next_ is None else "/login?" + urlencode({"next": next_})
    return submit(client, url, {"username": username, "password": password})


def kpi(response, label: str) -> int:
    """The number shown on a dashboard figure card under `label`."""
    pattern = re.escape(label) + r'</div><div class="kpi">(\d+)</div>'
    match = re.search(pattern, page(response))
    assert match, f"no figure {label!r}"
    return int(match.group(1))


def post_count(response, label: str) -> int:
    """The on-duty count shown for a post in the dashboard's by-post table."""
    match = re.search(
        r"<tr><td>" + re.escape(label) + r'</td><td class="text-end">(\d+)</td>', page(response)
    )
    assert match, f"no post row {label!r}"
    return int(match.group(1))


def xlsx(rows: list[list], headers=HEADERS) -> bytes:
    """An .xlsx with `headers` in row 1 and `rows` below."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_values(data: bytes) -> list[tuple]:
    """Every row of the first sheet of an .xlsx, as values."""
    workbook = load_workbook(BytesIO(data), read_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


_ROSTER_NAME = re.compile(r'<a href="/employees/\d+">([^<]+)</a>')


def roster_names(response) -> list[str]:
    """The names listed in a roster table, in order."""
    return _ROSTER_NAME.findall(response.get_data(as_text=True))


def bad_id_number(valid: str) -> str:
    """`valid` with a wrong check character."""
    return valid[:17] + ("0" if valid[17] != "0" else "1")
