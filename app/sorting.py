"""The order people expect in lists: Chinese by pinyin (阿 before 北 before 张), numbers by
value (trainee2 before trainee10).

Both databases sort with a collation named `zh_natural`: on PostgreSQL an ICU collation
(`zh-u-kn-true`: Chinese order, numeric runs by value), created by a migration and, for
databases made by `create_all` (tests), before the tables; on SQLite a Python collation
registered on every connection, keyed with pypinyin. `natural(column)` is what a query
orders by.
"""

import re
import sqlite3
from functools import lru_cache

from sqlalchemy import DDL, event
from sqlalchemy.engine import Engine

from app.extensions import db

COLLATION = "zh_natural"
CREATE_ON_POSTGRESQL = (
    f"CREATE COLLATION IF NOT EXISTS {COLLATION} (provider = icu, locale = 'zh-u-kn-true')"
)
_RUNS = re.compile(r"(\d+)")


def natural(column):
    """`column` ordered by pinyin and numbers by value, e.g. `.order_by(natural(User.username))`."""
    return column.collate(COLLATION)


@lru_cache(maxsize=65536)
def sort_key(text: str) -> tuple:
    """The key `zh_natural` sorts by on SQLite, as ICU does on PostgreSQL: digit runs by value
    first, then other characters (Latin case-blind), then Chinese by pinyin; the text itself
    breaks ties, so that different names never compare equal."""
    from pypinyin import Style, pinyin

    parts = []
    for n, run in enumerate(_RUNS.split(text or "")):
        if n % 2:
            parts.append((0, int(run), ""))
            continue
        for char in run:
            if "\u4e00" <= char <= "\u9fff":
                parts.append((2, 0, pinyin(char, style=Style.TONE3)[0][0]))
            else:
                parts.append((1, 0, char.lower()))
    return tuple(parts), text or ""


def _compare(left: str, right: str) -> int:
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


@event.listens_for(Engine, "connect")
def _register_on_sqlite(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_collation(COLLATION, _compare)


# `create_all` on PostgreSQL (the tests) makes the collation before the tables.
event.listen(
    db.metadata, "before_create", DDL(CREATE_ON_POSTGRESQL).execute_if(dialect="postgresql")
)
