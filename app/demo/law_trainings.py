"""Demo law trainings of the year in 11 of the 14 regions (张家口, 承德, 辛集 still 待开展)."""

import random
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.law_trainings.models import AUDIENCE_TYPES, LawTraining, LawTrainingSignup
from app.law_trainings.services import save_training
from app.orgs.models import Region
from app.timeutil import local_today

# (region, topic, place, speakers, days from today: negative = held)
DEMO_TRAININGS = [
    (
        "石家庄",
        "《民法典》物业服务合同专题讲座",
        "石家庄市长安区市民中心三楼报告厅",
        "王立新 律师",
        -120,
    ),
    ("石家庄", "物业费纠纷调解实务", "石家庄市桥西区人民法院诉讼服务中心", "李静 法官", 9),
    (
        "唐山",
        "业主大会与业主委员会依法运作",
        "唐山市路北区社区服务中心",
        "赵明 律师；孙丽 社区书记",
        -60,
    ),
    ("秦皇岛", "《河北省物业管理条例》解读", "秦皇岛市海港区图书馆报告厅", "周建华 协会专家", -30),
    (
        "邯郸",
        "物业服务中的消防安全法律责任",
        "邯郸市丛台区应急管理局培训室",
        "钱伟 消防工程师",
        -90,
    ),
    ("邢台", "物业费纠纷调解实务", "邢台市信都区司法局会议室", "吴芳 人民调解员", 12),
    (
        "保定",
        "《民法典》相邻关系与小区公共部位使用",
        "保定市竞秀区法院第二审判庭",
        "郑强 法官",
        -15,
    ),
    ("沧州", "业主大会与业主委员会依法运作", "沧州市运河区社区活动中心", "冯涛 律师", 20),
    ("廊坊", "个人信息保护与小区门禁管理", "廊坊市广阳区政务服务中心", "陈晨 律师", -45),
    ("衡水", "《民法典》物业服务合同专题讲座", "衡水市桃城区党群服务中心", "杨帆 律师", -7),
    ("定州", "物业费纠纷调解实务", "定州市人民法院多功能厅", "刘洋 法官", 6),
    ("雄安新区", "新建小区前期物业与承接查验", "雄安新区容东片区社区服务中心", "马骏 协会专家", 15),
]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕鹏飞"
_ORGANISATIONS = {
    "practitioner": [
        "{city}安居物业服务有限公司",
        "{city}万佳物业管理有限公司",
        "{city}和谐家园物业",
    ],
    "judge": ["{city}人民法院", "{city}中级人民法院"],
    "lawyer": ["河北{city}律师事务所", "河北正义律师事务所{city}分所"],
    "community": ["{city}幸福里社区居委会", "{city}新华街道办事处"],
    "owner": [""],
}


def load_demo_law_trainings() -> None:
    """Create the demo trainings once: a second run finds the first topic and changes nothing."""
    today = local_today()
    regions = {r.name: r for r in db.session.scalars(select(Region))}
    first = DEMO_TRAININGS[0]
    if first[0] not in regions:
        return
    exists = db.session.scalar(
        select(LawTraining.id).where(
            LawTraining.region_id == regions[first[0]].id,
            LawTraining.topic == first[1],
            LawTraining.held_on.between(date(today.year, 1, 1), date(today.year, 12, 31)),
        )
    )
    if exists:
        return
    rng = random.Random(2026)
    year_end = date(today.year, 12, 31)
    year_start = date(today.year, 1, 1)
    phones: set[str] = set()
    for region_name, topic, place, speakers, offset in DEMO_TRAININGS:
        region = regions.get(region_name)
        if region is None:
            continue
        held_on = min(max(today + timedelta(days=offset), year_start), year_end)
        past = held_on < today
        capacity = rng.choice([60, 80, 100, 120])
        types = list(AUDIENCE_TYPES)
        if rng.random() < 0.3:
            types.remove("judge")
        training = save_training(
            LawTraining(region_id=region.id, held_on=held_on, signup_open=True),
            topic=topic,
            starts_at=rng.choice(["09:00", "09:30", "14:00", "14:30"]),
            place=place,
            speakers=speakers,
            capacity=capacity,
            audience_types=types,
            description=f"本次培训由河北省物业管理行业协会与{region_name}有关部门联合举办，"
            "免费参加。请携带手机，凭报名二维码签到。",
        )
        count = rng.randint(20, min(80, capacity - 5))
        weights = [45 if t == "practitioner" else 20 if t == "owner" else 10 for t in types]
        # Sign-ups are written as history: the sign-up service takes people for an event
        # still open, now; the demo's are backdated and many events are already held.
        for _ in range(count):
            audience = rng.choices(types, weights)[0]
            while True:
                phone = f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"
                if phone not in phones:
                    phones.add(phone)
                    break
            name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice([1, 2])))
            organisation = rng.choice(_ORGANISATIONS[audience]).format(city=region_name)
            signed = datetime.combine(held_on - timedelta(days=rng.randint(1, 20)), time(2))
            checked = None
            if past and rng.random() < 0.85:
                checked = datetime.combine(held_on, time(1, rng.randint(0, 59)))
            db.session.add(
                LawTrainingSignup(
                    training_id=training.id,
                    name=name,
                    phone=phone,
                    audience_type=audience,
                    organisation=organisation,
                    token=secrets.token_hex(16),
                    created_at=signed,
                    checked_in_at=checked,
                )
            )
    db.session.flush()
