"""Demo organisations: the 14 regions, their enterprises and rosters, and the demo accounts.

Deterministic (a fixed seed) and idempotent: every entity is found by its natural key
(region code, credit code, username) before it is created, so a second run changes nothing.
"""

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import create_account
from app.extensions import db
from app.orgs.models import Employee, Enterprise, Region
from app.orgs.rules.identity import credit_code_check_char, id_number_check_char
from app.orgs.rules.posts import Post
from app.orgs.rules.roster import RosterRow
from app.orgs.services import add_external_certificate, insert_roster_rows, save_enterprise
from app.timeutil import local_today

DEMO_PASSWORD = "demo-pass-2025"

# (name, division code, district codes used for residents' identity numbers)
REGIONS = [
    ("石家庄", "130100", ["130102", "130104", "130105", "130108"]),
    ("唐山", "130200", ["130202", "130203", "130204"]),
    ("秦皇岛", "130300", ["130302", "130303"]),
    ("邯郸", "130400", ["130402", "130403"]),
    ("邢台", "130500", ["130502", "130503"]),
    ("保定", "130600", ["130602", "130606"]),
    ("张家口", "130700", ["130702", "130703"]),
    ("承德", "130800", ["130802", "130803"]),
    ("沧州", "130900", ["130902", "130903"]),
    ("廊坊", "131000", ["131002", "131003"]),
    ("衡水", "131100", ["131102", "131103"]),
    ("定州", "130682", ["130682"]),
    ("辛集", "130181", ["130181"]),
    ("雄安新区", "133100", ["130629", "130632", "130638"]),
]

BRANDS = [
    "安泰",
    "恒信",
    "嘉和",
    "瑞祥",
    "宏远",
    "华邦",
    "众诚",
    "万家宜",
    "福临",
    "康居",
    "美庭",
    "润泽",
    "金盾",
    "祥和",
    "永安",
    "德馨",
    "鑫城",
    "佳苑",
    "诚泰",
    "盛世",
    "和美",
    "泰和",
    "锦程",
    "悦家",
    "新源",
    "明德",
    "天成",
    "通达",
    "宜居",
    "方圆",
    "卓越",
    "广厦",
    "中联",
    "正和",
    "宝利",
    "雅居",
    "民生",
    "博雅",
    "华冠",
    "立信",
]
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾田萧潘袁董于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕红梅玉兰春梅晓东"
    "晓燕雪梅凤英文博子涵浩然欣怡宇航俊杰佳怡思远子轩雨萱梓涵一诺博文嘉怡"
)

POST_WEIGHTS = [
    (Post.PROJECT_MANAGER, 5),
    (Post.SECURITY, 30),
    (Post.CLEANING, 24),
    (Post.GREENING, 9),
    (Post.MAINTENANCE, 14),
    (Post.CUSTOMER_SERVICE, 13),
    (Post.OTHER, 5),
]

# Certificates from other issuers, by the post they qualify for.
EXTERNAL_CERTIFICATES = {
    Post.SECURITY: ("保安员证", "河北省公安厅"),
    Post.MAINTENANCE: ("特种作业操作证（低压电工作业）", "河北省应急管理厅"),
    Post.PROJECT_MANAGER: ("物业管理师", "中国物业管理协会"),
    Post.GREENING: ("绿化工（四级）职业技能等级证书", "河北省职业技能鉴定中心"),
}

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(rng: random.Random, division: str) -> str:
    body = "92" if rng.random() < 0.05 else "91"
    body += division + "".join(rng.choice(CREDIT_CHARS[:10] + "MNPQ") for _ in range(9))
    return body + credit_code_check_char(body)


def _id_number(rng: random.Random, districts: list[str]) -> str:
    birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 38 * 365))
    first17 = rng.choice(districts) + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return first17 + id_number_check_char(first17)


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given[:2]


def _phone(rng: random.Random) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + f"{rng.randrange(10**9):09d}"


def _roster(rng: random.Random, districts: list[str], size: int, today: date) -> list[RosterRow]:
    posts = [p for p, _ in POST_WEIGHTS]
    weights = [w for _, w in POST_WEIGHTS]
    rows, seen = [], set()
    while len(rows) < size:
        id_number = _id_number(rng, districts)
        if id_number in seen:
            continue
        seen.add(id_number)
        post = Post.PROJECT_MANAGER if not rows else rng.choices(posts, weights)[0]
        hired_on = today - timedelta(days=rng.randrange(30, 9 * 365))
        left_on = None
        if len(rows) >= 12 and rng.random() < 0.08:  # the first dozen stay: they get accounts
            left_on = hired_on + timedelta(days=rng.randrange(1, (today - hired_on).days))
        rows.append(
            RosterRow(
                row=len(rows) + 2,
                name=_name(rng),
                id_number=id_number,
                phone=_phone(rng),
                post=post,
                hired_on=hired_on,
                left_on=left_on,
            )
        )
    return rows


def _ensure_regions() -> dict[str, Region]:
    regions = {}
    for order, (name, code, _) in enumerate(REGIONS):
        region = db.session.scalar(select(Region).where(Region.code == code))
        if region is None:
            region = Region(code=code, name=name, sort_order=order)
            db.session.add(region)
        regions[name] = region
    db.session.flush()
    return regions


def _ensure_enterprises(codes_rng, regions, today) -> list[Enterprise]:
    enterprises, brands = [], iter(BRANDS)
    for name, code, districts in REGIONS:
        per_region = 4 if name in ("石家庄", "唐山") else 2
        for index in range(per_region):
            brand, credit_code = next(brands), _credit_code(codes_rng, code)
            enterprise = db.session.scalar(
                select(Enterprise).where(Enterprise.credit_code == credit_code)
            )
            if enterprise is None:
                # Each enterprise's own generator: its people do not depend on the date
                # of the run or on which enterprises already exist.
                rng = random.Random(credit_code)
                city = name if name in ("定州", "辛集", "雄安新区") else name + "市"
                enterprise = save_enterprise(
                    Enterprise(),
                    name=f"{city}{brand}物业服务有限公司",
                    credit_code=credit_code,
                    region_id=regions[name].id,
                    address=f"{city}{rng.choice(['建设', '中华', '人民', '和平', '胜利'])}路"
                    f"{rng.randint(1, 300)}号",
                    contact_name=_name(rng),
                    contact_phone=_phone(rng),
                )
                size = 40 if index == 0 and name in ("石家庄", "唐山") else rng.randint(14, 26)
                insert_roster_rows(enterprise.id, _roster(rng, districts, size, today))
                _add_external_certificates(rng, enterprise.id, today)
            enterprises.append(enterprise)
    return enterprises


def _add_external_certificates(rng, enterprise_id: int, today: date) -> None:
    employees = db.session.scalars(
        select(Employee).where(Employee.enterprise_id == enterprise_id).order_by(Employee.id)
    ).all()
    for employee in employees:
        kind = EXTERNAL_CERTIFICATES.get(Post(employee.post))
        if kind is None or rng.random() > 0.55:
            continue
        issued_on = max(employee.hired_on, today - timedelta(days=rng.randrange(60, 6 * 365)))
        add_external_certificate(
            employee,
            name=kind[0],
            issuer=kind[1],
            number=f"{rng.randrange(10**11):011d}",
            post=employee.post,
            issued_on=issued_on,
            expires_on=issued_on + timedelta(days=6 * 365) if rng.random() < 0.6 else None,
        )


def _ensure_account(username: str, **kwargs) -> None:
    if db.session.scalar(select(User.id).where(User.username == username)) is None:
        create_account(username=username, password=DEMO_PASSWORD, **kwargs)


def _ensure_accounts(regions, enterprises) -> None:
    ent1 = next(e for e in enterprises if e.region_id == regions["石家庄"].id)
    ent2 = next(e for e in enterprises if e.region_id == regions["唐山"].id)
    _ensure_account("admin", display_name="省协会管理员", role=Role.PROVINCE_ADMIN)
    _ensure_account(
        "sjz_admin",
        display_name="石家庄市物协管理员",
        role=Role.CITY_ADMIN,
        region=regions["石家庄"],
    )
    _ensure_account(
        "ent1_admin", display_name=f"{ent1.name}人事", role=Role.ENTERPRISE_ADMIN, enterprise=ent1
    )
    _ensure_account(
        "ent2_admin", display_name=f"{ent2.name}人事", role=Role.ENTERPRISE_ADMIN, enterprise=ent2
    )
    number = 1
    for enterprise in (ent1, ent2):
        staff = db.session.scalars(
            select(Employee)
            .where(Employee.enterprise_id == enterprise.id, Employee.left_on.is_(None))
            .order_by(Employee.id)
            .limit(10)
        ).all()
        for employee in staff:
            username = f"trainee{number}"
            if db.session.scalar(select(User.id).where(User.username == username)) is None:
                if (
                    db.session.scalar(select(User.id).where(User.employee_id == employee.id))
                    is None
                ):
                    create_account(
                        username=username,
                        display_name=employee.name,
                        password=DEMO_PASSWORD,
                        role=Role.TRAINEE,
                        employee=employee,
                    )
            number += 1


def load_demo_organisations() -> None:
    """Create whatever is missing of the regions, enterprises, rosters and demo accounts."""
    codes_rng = random.Random(20250214)  # the plan's publication date: same data everywhere
    regions = _ensure_regions()
    enterprises = _ensure_enterprises(codes_rng, regions, local_today())
    _ensure_accounts(regions, enterprises)
