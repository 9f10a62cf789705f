"""Lists come in the order people expect, on SQLite and on PostgreSQL alike."""

from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from app.orgs.models import Enterprise
from app.sorting import natural


def test_enterprises_and_usernames_sort_naturally(make):
    region = make.region()
    for name in ["张家物业", "阿里物业", "北方物业"]:
        make.enterprise(region, name=name)
    for n in (10, 2, 1):
        make.user(Role.PROVINCE_ADMIN, username=f"trainee{n}")
    names = db.session.scalars(select(Enterprise.name).order_by(natural(Enterprise.name))).all()
    assert names == ["阿里物业", "北方物业", "张家物业"]
    users = db.session.scalars(select(User.username).order_by(natural(User.username))).all()
    assert users == ["trainee1", "trainee2", "trainee10"]


def test_the_enterprise_list_page_is_in_pinyin_order(client, login, make):
    region = make.region()
    for name in ["张家物业", "阿里物业", "北方物业"]:
        make.enterprise(region, name=name)
    login(make.user(Role.PROVINCE_ADMIN).username)
    body = client.get("/enterprises").get_data(as_text=True)
    assert body.index("阿里物业") < body.index("北方物业") < body.index("张家物业")
