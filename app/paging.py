"""A page of rows counted elsewhere, shaped as the `pager` macro reads Flask-SQLAlchemy's."""

from dataclasses import dataclass


@dataclass
class Page:
    """`items` of page `page` (from 1) out of `total` rows, `per_page` a page."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def slice_page(rows: list, page: int, per_page: int = 50) -> Page:
    """The page `page` of an in-memory list (clamped to the pages there are)."""
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    return Page(rows[(page - 1) * per_page : page * per_page], page, per_page, len(rows))
