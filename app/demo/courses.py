"""The demo catalogue: post trainings for the 四保一服 posts and project managers, and the
special trainings (law, finance and tax, standardisation).

Each course's lessons add up to its required hours (学时, 60 minutes each): a learner who
studies every lesson for its time reaches the hours. Courses are found by title, so
running the loader again adds nothing. The one PDF lesson
is drawn with reportlab at load time (no binary ships in the repository).
"""

import logging
import os
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.courses.catalogue import add_chapter, publish, save_course, save_lesson
from app.courses.models import Chapter, Course
from app.demo.exams import load_course_test
from app.extensions import db
from exams.models import Exam

log = logging.getLogger(__name__)
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def _text(topic: str, points: list[str]) -> str:
    """A Markdown lesson body: an aim, the key points, a check-list table."""
    items = "\n".join(f"{i}. {p}" for i, p in enumerate(points, 1))
    rows = "\n".join(f"| {p.split('：')[0][:16]} | 是 / 否 |" for p in points[:3])
    return (
        f"## 学习目标\n\n掌握{topic}的基本要求，能够在日常服务中规范操作。\n\n"
        f"## 要点\n\n{items}\n\n"
        f"> 提示：本课时内容依据《物业管理条例》及河北省物业服务相关规范整理。\n\n"
        f"## 自查表\n\n| 检查项 | 是否做到 |\n|:--|:--:|\n{rows}\n"
    )


# (title, category, posts, levels, hours, draft?, description, [(chapter, [(lesson, points)])])
_COURSES = [
    (
        "项目经理岗位培训",
        "post",
        ["project_manager"],
        [3, 2],
        4,
        False,
        "面向物业服务项目经理：**项目承接查验、服务标准制定、费用测算与业主沟通**。",
        [
            (
                "项目承接与查验",
                [
                    (
                        "承接查验流程",
                        [
                            "资料移交：竣工图纸、设备清单逐项签收",
                            "共用部位查验：逐层记录问题并限期整改",
                            "查验报告：双方签字后报主管部门备案",
                        ],
                    )
                ],
            ),
            (
                "服务管理",
                [
                    (
                        "服务标准与考核",
                        [
                            "制定服务标准：对照合同约定的服务等级",
                            "品质巡检：每周不少于一次全面巡查",
                            "考核整改：问题闭环，记录可追溯",
                        ],
                    ),
                    (
                        "业主沟通",
                        [
                            "沟通渠道：公示栏、业主群、上门走访",
                            "投诉处理：24 小时内响应，限期回复",
                            "满意度调查：每年至少一次",
                        ],
                    ),
                ],
            ),
            (
                "费用测算与收支管理",
                [
                    (
                        "物业服务费用测算",
                        [
                            "成本构成：人员、公共能耗、设施维护、管理费用与税金",
                            "测算方法：按建筑面积与服务等级逐项测算",
                            "收支公示：每年向业主公布物业服务资金收支情况",
                        ],
                    )
                ],
            ),
        ],
    ),
    (
        "秩序维护员（保安）岗位培训",
        "post",
        ["security"],
        [5, 4],
        3,
        False,
        "秩序维护员上岗必修：门岗管理、巡逻、消防与突发事件处置。",
        [
            (
                "门岗与巡逻",
                [
                    (
                        "门岗管理",
                        [
                            "人员出入：访客登记，核实身份",
                            "车辆管理：道闸、停车秩序与消防通道畅通",
                            "物品放行：大件物品凭业主放行条",
                        ],
                    ),
                    (
                        "巡逻要求",
                        [
                            "巡逻路线：按点签到，不留死角",
                            "重点部位：配电室、水泵房、地下车库",
                            "异常记录：发现隐患立即上报",
                        ],
                    ),
                ],
            ),
            (
                "消防与应急",
                [
                    (
                        "消防基础",
                        [
                            "灭火器使用：提、拔、握、压",
                            "消防通道：严禁占用、堵塞",
                            "火警处置：报警、疏散、初期扑救",
                        ],
                    )
                ],
            ),
        ],
    ),
    (
        "保洁员岗位培训",
        "post",
        ["cleaning"],
        [5, 4],
        2,
        False,
        "保洁作业标准、清洁剂安全使用与垃圾分类。",
        [
            (
                "保洁作业",
                [
                    (
                        "公共区域清洁",
                        [
                            "大堂地面：每日推尘不少于两次",
                            "电梯轿厢：每日擦拭，按钮消毒",
                            "楼道扶手：每周全面擦拭",
                        ],
                    )
                ],
            ),
            (
                "垃圾分类",
                [
                    (
                        "分类与收运",
                        [
                            "四分类：可回收物、有害垃圾、厨余垃圾、其他垃圾",
                            "桶站管理：定时定点，保持整洁",
                            "宣传引导：劝导业主正确投放",
                        ],
                    )
                ],
            ),
        ],
    ),
    (
        "绿化工岗位培训",
        "post",
        ["greening"],
        [5, 4],
        2,
        False,
        "园林绿化日常养护：修剪、浇灌、病虫害防治。",
        [
            (
                "日常养护",
                [
                    (
                        "修剪与浇灌",
                        [
                            "草坪修剪：高度保持 5～8 厘米",
                            "浇灌时间：夏季早晚，避开正午",
                            "绿篱修剪：整齐美观，无枯枝",
                        ],
                    ),
                    (
                        "病虫害防治",
                        [
                            "巡查识别：每周检查叶片与枝干",
                            "用药安全：公示用药时间，设置警示",
                            "生物防治：优先低毒环保方式",
                        ],
                    ),
                ],
            )
        ],
    ),
    (
        "维修工岗位培训",
        "post",
        ["maintenance"],
        [5, 4, 3],
        2,
        False,
        "共用设施设备维修：供配电、给排水、电梯日常管理与安全操作。",
        [
            (
                "安全操作",
                [
                    (
                        "电工作业安全",
                        [
                            "持证上岗：特种作业须持有效证书",
                            "停电作业：验电、挂牌、上锁",
                            "个人防护：绝缘手套与绝缘鞋",
                        ],
                    )
                ],
            ),
            (
                "设施设备",
                [
                    (
                        "给排水维护",
                        [
                            "二次供水：水箱每半年清洗消毒一次",
                            "管道巡检：防冻、防漏、防堵",
                            "水泵房：运行记录完整",
                        ],
                    )
                ],
            ),
        ],
    ),
    (
        "客服人员岗位培训",
        "post",
        ["customer_service"],
        [5, 4],
        2,
        False,
        "前台接待、报事报修、投诉处理与物业费催缴礼仪。",
        [
            (
                "接待与报修",
                [
                    (
                        "前台接待规范",
                        [
                            "接待礼仪：起身相迎，首问负责",
                            "报修登记：记录位置、现象、联系方式",
                            "回访：维修完成后 24 小时内回访",
                        ],
                    )
                ],
            ),
            (
                "投诉处理",
                [
                    (
                        "投诉处理流程",
                        [
                            "倾听：不打断，记录要点",
                            "处理：明确责任部门与时限",
                            "反馈：结果告知业主并归档",
                        ],
                    )
                ],
            ),
        ],
    ),
    (
        "《民法典》物业服务合同专题",
        "law",
        [],
        [],
        2,
        False,
        "解读《民法典》第三编第二十四章“物业服务合同”（第九百三十七条至第九百五十条）。",
        [
            (
                "合同的订立与内容",
                [
                    (
                        "物业服务合同的内容",
                        [
                            "服务事项：合同应明确服务事项与质量",
                            "服务费用：标准与收取办法",
                            "维修资金：使用与管理",
                        ],
                    )
                ],
            ),
            (
                "双方的权利义务",
                [
                    (
                        "物业服务人的义务",
                        [
                            "安全防范：采取合理措施保护业主人身财产安全",
                            "信息公开：定期公开服务事项与收支",
                            "交接义务：合同终止后按约退出并移交资料",
                        ],
                    )
                ],
            ),
        ],
    ),
    (
        "物业企业财税实务",
        "finance",
        ["project_manager"],
        [],
        2,
        False,
        "物业企业增值税、发票管理与公共收益核算。",
        [
            (
                "税务基础",
                [
                    (
                        "增值税与发票",
                        [
                            "税率：物业服务适用 6% 税率",
                            "发票：按实际收费开具",
                            "代收水电费：区分代收与自营",
                        ],
                    )
                ],
            ),
            (
                "公共收益",
                [
                    (
                        "公共收益核算",
                        [
                            "收益范围：广告、停车等共用部位经营收入",
                            "单独列账：定期向业主公示",
                            "使用：按业主大会决定",
                        ],
                    )
                ],
            ),
        ],
    ),
    (
        "物业服务标准化",
        "standard",
        [],
        [],
        1,
        False,
        "物业服务标准体系、服务等级划分与标准化文件编写。",
        [
            (
                "标准体系",
                [
                    (
                        "物业服务标准概述",
                        [
                            "国家标准：物业服务相关国家标准",
                            "地方标准：河北省物业服务等级标准",
                            "企业标准：结合项目制定作业指导书",
                        ],
                    )
                ],
            )
        ],
    ),
    (
        "物业服务安全生产（编写中）",
        "other",
        [],
        [],
        1,
        True,
        "草稿：安全生产责任制、隐患排查治理。",
        [
            (
                "安全生产责任制",
                [("责任体系", ["主要负责人：全面负责", "岗位职责：一岗双责", "考核：纳入绩效"])],
            )
        ],
    ),
]


def _pdf_bytes() -> bytes | None:
    """A one-page handout in Chinese, or None when the CJK font is missing."""
    if not os.path.exists(FONT):
        log.warning("demo PDF lesson skipped: %s is missing (fonts-wqy-microhei)", FONT)
        return None
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "WQYMicroHei" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQYMicroHei", FONT, subfontIndex=0))
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=1)
    page.setTitle("物业服务合同条款速查")
    page.setFont("WQYMicroHei", 18)
    page.drawString(60, 780, "物业服务合同条款速查（学习讲义）")
    page.setFont("WQYMicroHei", 11)
    lines = [
        "第九百三十七条　物业服务合同的定义。",
        "第九百三十八条　物业服务合同的内容：服务事项、服务质量、服务费用的标准和收取办法、",
        "　　维修资金的使用、服务用房的管理和使用、服务期限、服务交接等条款。",
        "第九百四十二条　物业服务人应当妥善维修、养护、清洁、绿化和经营管理物业服务区域内的",
        "　　业主共有部分，维护秩序，采取合理措施保护业主的人身、财产安全。",
        "第九百四十四条　业主应当按照约定向物业服务人支付物业费。",
        "第九百四十九条　合同终止的，原物业服务人应当在约定期限或者合理期限内退出物业服务区域。",
    ]
    for i, line in enumerate(lines):
        page.drawString(60, 740 - i * 22, line)
    page.showPage()
    page.save()
    return out.getvalue()


PDF_SECONDS, LINK_SECONDS = 20 * 60, 10 * 60  # the law course's handout and link


def lesson_seconds(required_seconds: int, text_lessons: int, extras: int) -> int:
    """Each text lesson's study time so that the lessons add up to the course's hours:
    what the extras leave, shared evenly and rounded up to a whole minute."""
    share = -(-max(0, required_seconds - extras) // max(1, text_lessons))
    return -(-share // 60) * 60


def _add_course(spec, final_test: Exam | None) -> None:
    title, category, posts, levels, hours, draft, description, chapters = spec
    exam_id = final_test.id if title == "项目经理岗位培训" and final_test is not None else None
    data = {
        "title": title,
        "category": category,
        "description": description,
        "posts": posts,
        "levels": levels,
        "required_seconds": hours * 3600,
        "exam_id": exam_id,
    }
    course = save_course(None, data, None, user_id=None)
    pdf = _pdf_bytes() if category == "law" else None
    extras = (PDF_SECONDS if pdf else 0) + LINK_SECONDS if category == "law" else 0
    count = sum(len(lessons) for _chapter_title, lessons in chapters)
    seconds = lesson_seconds(hours * 3600, count, extras)
    for chapter_title, lessons in chapters:
        chapter = _chapter(course, chapter_title)
        for lesson_title, points in lessons:
            _lesson(
                chapter,
                title=lesson_title,
                kind="text",
                body=_text(lesson_title, points),
                min_seconds=seconds,
            )
    if category == "law":
        _add_extras(chapter, pdf)
    if not draft:
        publish(course)


def _chapter(course: Course, title: str) -> Chapter:
    chapter = add_chapter(course, title)
    # The service numbers a chapter after those loaded with the course: a request adds
    # one, the demo adds several in one session, so the list is read again each time.
    db.session.expire(course, ["chapters"])
    return chapter


def _lesson(chapter: Chapter, *, title, kind, body, url="", min_seconds, upload=None):
    data = {"title": title, "kind": kind, "body": body, "url": url, "min_seconds": min_seconds}
    save_lesson(None, chapter, data, upload, user_id=None)
    db.session.expire(chapter, ["lessons"])  # as for chapters: numbered after those loaded


def _add_extras(chapter: Chapter, pdf: bytes | None) -> None:
    """The law course also has a PDF handout and a link to the law's official text."""
    if pdf is not None:
        _lesson(
            chapter,
            title="条款速查讲义（PDF）",
            kind="pdf",
            body="请通读讲义，重点理解物业服务人的义务。",
            min_seconds=PDF_SECONDS,
            upload=FileStorage(stream=BytesIO(pdf), filename="物业服务合同条款速查.pdf"),
        )
    _lesson(
        chapter,
        title="《民法典》全文（国家法律法规数据库）",
        kind="link",
        body="在国家法律法规数据库中检索“民法典”阅读原文，对照本课程的条款逐条阅读。",
        url="https://flk.npc.gov.cn/",
        min_seconds=LINK_SECONDS,
    )


def load_demo_courses() -> None:
    """Create the demo courses that are missing (found by title)."""
    existing = set(db.session.scalars(select(Course.title)))
    missing = [spec for spec in _COURSES if spec[0] not in existing]
    final_test = load_course_test() if missing else None
    for spec in missing:
        _add_course(spec, final_test)
    db.session.flush()
