"""Posts and how rosters spell them."""

import pytest

from app.orgs.rules.posts import POST_LABELS, Post, parse_post


def test_values_and_labels():
    assert [post.value for post in Post] == [
        "project_manager",
        "security",
        "cleaning",
        "greening",
        "maintenance",
        "customer_service",
        "other",
    ]
    assert list(POST_LABELS.values()) == [
        "项目经理",
        "保安",
        "保洁",
        "绿化",
        "维修",
        "客服",
        "其他",
    ]
    assert set(POST_LABELS) == set(Post)
    assert Post.SECURITY.label == "保安"
    assert Post("cleaning") is Post.CLEANING
    assert Post.CLEANING == "cleaning"


@pytest.mark.parametrize(("post", "label"), list(POST_LABELS.items()))
def test_labels_parse(post, label):
    assert parse_post(label) is post
    assert parse_post(post.value) is post


@pytest.mark.parametrize(
    ("text", "post"),
    [
        ("项目负责人", Post.PROJECT_MANAGER),
        ("秩序维护", Post.SECURITY),
        ("秩序维护员", Post.SECURITY),
        ("保安员", Post.SECURITY),
        ("保安/秩序维护", Post.SECURITY),
        ("保安／秩序维护", Post.SECURITY),
        ("保洁员", Post.CLEANING),
        ("绿化工", Post.GREENING),
        ("维修工", Post.MAINTENANCE),
        ("工程", Post.MAINTENANCE),
        ("维修/工程", Post.MAINTENANCE),
        ("客服专员", Post.CUSTOMER_SERVICE),
        ("客户服务", Post.CUSTOMER_SERVICE),
        ("其它", Post.OTHER),
        (" 保 洁 ", Post.CLEANING),
        ("\u3000客服\u3000", Post.CUSTOMER_SERVICE),
        ("SECURITY", Post.SECURITY),
    ],
)
def test_aliases(text, post):
    assert parse_post(text) is post


@pytest.mark.parametrize("text", ["电工", "经理", "", "   ", None, "保安保洁", 3])
def test_unknown(text):
    assert parse_post(text) is None
