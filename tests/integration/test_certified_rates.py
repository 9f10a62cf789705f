"""The certified-on-duty rate (持证上岗率) against hand-computed cases, scope and history."""

from datetime import date
from decimal import Decimal

import pytest

from app.errors import NotFound, Refused
from app.extensions import db
from app.orgs import services as orgs
from app.orgs.rules.posts import Post
from app.reports import rates
from app.roles import Role

DAY = date(2026, 6, 30)


@pytest.fixture
def world(app, make):
    """Region A with one enterprise and the hand-computed cases; region B with one employee.

    As of 2026-06-30 in A: on duty 张一 (保安, 保安员), 王三 (项目经理, our 物业管理员
    certificate revoked 2026-09-01), 赵四 (保洁, an 电工 certificate: not for 保洁) and
    钱五 (维修, 电工 expired on 2026-06-30) → 4 on duty, 2 certified, rate 0.5000.
    Not counted: 李二 (left 2026-06-01), 孙六 (其他), 周七 (hired 2026-07-01).
    """
    with app.app_context():
        region_a, region_b = make.region("甲市"), make.region("乙市")
        ent_a, ent_b = make.enterprise(region_a), make.enterprise(region_b)
        people = {}

        def person(name, post, hired_on=date(2020, 1, 1), enterprise=ent_a):
            people[name] = make.employee(enterprise, name=name, post=post, hired_on=hired_on)
            return people[name]

        def external(who, occupation, issued_on=date(2025, 1, 1), **fields):
            orgs.add_external_certificate(
                who, occupation=occupation, issuer="某发证机关", issued_on=issued_on, **fields
            )

        external(person("张一", Post.SECURITY), "保安员")
        li = person("李二", Post.SECURITY)
        external(li, "保安员")
        orgs.mark_left(li, date(2026, 6, 1))
        make.certificate(
            person("王三", Post.PROJECT_MANAGER),
            occupation="物业管理员",
            issued_on=date(2025, 1, 1),
            revoked_on=date(2026, 9, 1),
        )
        external(person("赵四", Post.CLEANING), "电工")
        external(person("钱五", Post.MAINTENANCE), "电工", expires_on=DAY)
        external(person("孙六", Post.OTHER), "保安员")
        person("周七", Post.GREENING, hired_on=date(2026, 7, 1))
        person("吴八", Post.SECURITY, enterprise=ent_b)
        db.session.commit()
        users = {
            "province": make.user(Role.PROVINCE_ADMIN, "prov"),
            "city_a": make.user(Role.CITY_ADMIN, "city_a", region=region_a),
            "city_b": make.user(Role.CITY_ADMIN, "city_b", region=region_b),
            "ent_admin": make.user(Role.ENTERPRISE_ADMIN, "ent_a", enterprise=ent_a),
        }
        yield {
            "a": region_a.id,
            "b": region_b.id,
            "ent_a": ent_a.id,
            "ent_b": ent_b.id,
            "people": {name: e.id for name, e in people.items()},
            **users,
        }


def _rows(table):
    return {row.name: (row.on_duty, row.certified, row.rate_text) for row in table.rows}


def test_the_hand_computed_cases(app, world):
    table = rates.rate_table(world["province"], DAY, "region")
    assert _rows(table) == {"甲市": (4, 2, "0.5000"), "乙市": (1, 0, "0.0000")}
    assert (table.total.on_duty, table.total.certified, table.total.rate) == (
        5,
        2,
        Decimal("0.4000"),
    )
    by_post = _rows(rates.rate_table(world["province"], DAY, "post", region_id=world["a"]))
    assert by_post == {
        "项目经理": (1, 1, "1.0000"),
        "保安": (1, 1, "1.0000"),
        "保洁": (1, 0, "0.0000"),
        "绿化": (0, 0, None),
        "维修": (1, 0, "0.0000"),
        "客服": (0, 0, None),
    }
    assert "其他" not in by_post


def test_a_revocation_counts_from_its_day_and_an_expiry_is_the_first_invalid_day(app, world):
    after_revocation = rates.rate_table(world["province"], date(2026, 9, 1), "post", world["a"])
    assert _rows(after_revocation)["项目经理"] == (1, 0, "0.0000")
    before_expiry = rates.rate_table(world["province"], date(2026, 6, 29), "post", world["a"])
    assert _rows(before_expiry)["维修"] == (1, 1, "1.0000")
    before_leaving = rates.rate_table(world["province"], date(2026, 5, 31), "post", world["a"])
    assert _rows(before_leaving)["保安"] == (2, 2, "1.0000")  # 李二 left on 2026-06-01


def test_an_earlier_duty_period_counts_after_a_rehire(app, world):
    with app.app_context():
        li = db.session.get(orgs.Employee, world["people"]["李二"])
        orgs.rehire(li, date(2026, 8, 1))
        db.session.commit()
    may = rates.rate_table(world["province"], date(2026, 5, 1), "post", world["a"])
    july = rates.rate_table(world["province"], date(2026, 7, 1), "post", world["a"])
    august = rates.rate_table(world["province"], date(2026, 8, 1), "post", world["a"])
    assert _rows(may)["保安"] == (2, 2, "1.0000")
    assert _rows(july)["保安"] == (1, 1, "1.0000")
    assert _rows(august)["保安"] == (2, 2, "1.0000")


def test_a_past_figure_does_not_change_when_later_data_arrives(app, world, make):
    before = rates.rate_table(world["province"], DAY, "enterprise")
    with app.app_context():
        today = date(2026, 12, 1)
        zhao = db.session.get(orgs.Employee, world["people"]["赵四"])
        orgs.add_external_certificate(
            zhao, occupation="保洁员", issuer="某发证机关", issued_on=today
        )
        orgs.mark_left(db.session.get(orgs.Employee, world["people"]["张一"]), today)
        enterprise = db.session.get(orgs.Enterprise, world["ent_a"])
        make.employee(enterprise, name="新人", post=Post.SECURITY, hired_on=today)
        db.session.commit()
    after = rates.rate_table(world["province"], DAY, "enterprise")
    assert after.rows == before.rows and after.total == before.total
    now = rates.rate_table(world["province"], date(2026, 12, 1), "post", world["a"])
    assert _rows(now)["保洁"] == (1, 1, "1.0000")
    assert _rows(now)["保安"] == (1, 0, "0.0000")  # 张一 gone, 新人 uncertified


def test_scope_per_role(app, world):
    city_a = rates.rate_table(world["city_a"], DAY, "region")
    assert _rows(city_a) == {"甲市": (4, 2, "0.5000")}
    city_b = rates.rate_table(world["city_b"], DAY, "enterprise")
    assert [row.key for row in city_b.rows] == [world["ent_b"]]
    assert city_b.total.on_duty == 1
    ent_a = rates.rate_table(world["ent_admin"], DAY, None)
    assert (ent_a.total.on_duty, ent_a.total.certified) == (4, 2)
    with pytest.raises(NotFound):
        rates.rate_table(world["city_b"], DAY, "post", enterprise_id=world["ent_a"])
    with pytest.raises(NotFound):
        rates.rate_table(world["city_b"], DAY, "post", region_id=world["a"])
    with pytest.raises(NotFound):
        rates.uncertified(world["ent_admin"], DAY, world["ent_b"])


def test_trainees_see_no_rates(app, world, make):
    with app.app_context():
        employee = db.session.get(orgs.Employee, world["people"]["张一"])
        trainee = make.user(
            Role.TRAINEE, enterprise=employee.enterprise, employee=employee, region=None
        )
        with pytest.raises(Refused):
            rates.rate_table(trainee, DAY, "post")


def test_the_uncertified_list(app, world):
    names = [e.name for e in rates.uncertified(world["city_a"], DAY, world["ent_a"])]
    assert sorted(names) == ["赵四", "钱五"]


def test_settings_change_which_certificates_count(app, world):
    with app.app_context():
        from app.auth.models import User

        user = db.session.get(User, world["province"].id)
        rates.save_post_occupations(user, {"cleaning": ["保洁员", "电工"]})
        rates.save_targets(user, {world["a"]: 6000})
        db.session.commit()
        assert rates.post_occupations()["cleaning"] == ("保洁员", "电工")
        assert rates.post_occupations()["security"] == ("保安员",)
    table = rates.rate_table(world["province"], DAY, "region")
    a = next(row for row in table.rows if row.key == world["a"])
    assert (a.certified, a.target, a.below_target) == (3, Decimal("0.6000"), False)
    b = next(row for row in table.rows if row.key == world["b"])
    assert b.target is None and not b.below_target


def test_a_monthly_series(app, world):
    series = rates.rate_series(
        world["province"], "2026-05", "2026-09", region_id=world["a"], today=date(2026, 9, 15)
    )
    assert [day for day, _ in series] == [
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 15),
    ]
    assert [t.total.on_duty for _, t in series] == [5, 4, 5, 5, 5]
    assert [t.total.certified for _, t in series] == [4, 2, 2, 2, 1]  # 钱五 valid until June


@pytest.mark.parametrize("group_by", [None, "post", "region", "enterprise"])
@pytest.mark.parametrize("who", ["province", "city_a", "ent_admin"])
def test_a_series_counts_each_month_as_the_table_of_that_day_does(app, world, group_by, who):
    # The series is one statement over every month, the table one per day: same figures.
    with app.app_context():
        li = db.session.get(orgs.Employee, world["people"]["李二"])
        orgs.rehire(li, date(2026, 8, 1))  # an earlier period covers May, the latest August
        db.session.commit()
    user = world[who]
    series = rates.rate_series(user, "2025-12", "2026-12", group_by, today=date(2026, 11, 20))
    assert len(series) == 12
    for day, table in series:
        alone = rates.rate_table(user, day, group_by)
        assert _rows(table) == _rows(alone), day
        assert (table.total.on_duty, table.total.certified) == (
            alone.total.on_duty,
            alone.total.certified,
        ), day
    figures = [(t.total.on_duty, t.total.certified) for _, t in series]
    assert len(set(figures)) > 2  # the months differ: the comparison means something
