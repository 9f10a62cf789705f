"""The posts (岗位) an employee can hold, and how rosters spell them."""

import re
import unicodedata
from enum import StrEnum


class Post(StrEnum):
    """A post on a property-service roster; the value is what the database stores."""

    PROJECT_MANAGER = "project_manager"
    SECURITY = "security"
    CLEANING = "cleaning"
    GREENING = "greening"
    MAINTENANCE = "maintenance"
    CUSTOMER_SERVICE = "customer_service"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The Chinese name shown to users."""
        return POST_LABELS[self]


POST_LABELS: dict[Post, str] = {
    Post.PROJECT_MANAGER: "项目经理",
    Post.SECURITY: "保安",
    Post.CLEANING: "保洁",
    Post.GREENING: "绿化",
    Post.MAINTENANCE: "维修",
    Post.CUSTOMER_SERVICE: "客服",
    Post.OTHER: "其他",
}

# Only spellings that cannot mean two posts: e.g. 电工 is left out because electricians
# sit under 维修 in some enterprises and 其他 in others.
_ALIASES: dict[str, Post] = {
    "项目负责人": Post.PROJECT_MANAGER,
    "物业项目经理": Post.PROJECT_MANAGER,
    "保安员": Post.SECURITY,
    "秩序维护": Post.SECURITY,
    "秩序维护员": Post.SECURITY,
    "保安/秩序维护": Post.SECURITY,
    "秩序维护/保安": Post.SECURITY,
    "安保": Post.SECURITY,
    "安保员": Post.SECURITY,
    "保洁员": Post.CLEANING,
    "清洁工": Post.CLEANING,
    "清洁员": Post.CLEANING,
    "绿化工": Post.GREENING,
    "绿化员": Post.GREENING,
    "园林绿化": Post.GREENING,
    "维修工": Post.MAINTENANCE,
    "维修员": Post.MAINTENANCE,
    "工程": Post.MAINTENANCE,
    "工程维修": Post.MAINTENANCE,
    "维修/工程": Post.MAINTENANCE,
    "工程/维修": Post.MAINTENANCE,
    "客服专员": Post.CUSTOMER_SERVICE,
    "客服员": Post.CUSTOMER_SERVICE,
    "客服人员": Post.CUSTOMER_SERVICE,
    "客户服务": Post.CUSTOMER_SERVICE,
    "其它": Post.OTHER,
}

_LOOKUP: dict[str, Post] = {
    **{label: post for post, label in POST_LABELS.items()},
    # The stored values too, so that data coming back from our own exports or the API parses.
    **{post.value: post for post in Post},
    **_ALIASES,
}

_WHITESPACE = re.compile(r"\s+")


def parse_post(text: object) -> Post | None:
    """The post a roster cell names, or None when it is not recognisable."""
    if text is None:
        return None
    key = _WHITESPACE.sub("", unicodedata.normalize("NFKC", str(text)))
    return _LOOKUP.get(key) or _LOOKUP.get(key.lower())
