"""Synthetic 产教融合 data for the demo (labelled 合成/演示): enterprises and their demand, vocational
schools' supply, order classes in every state, training bases, apprenticeships, two competitions.

* 示例智能制造企业 (永川区) is the demo ``enterprise`` account's: it has two open positions.
* ``voc_admin`` (password as every demo account) administers a vocational school of the demo counties
  (永川区 or 金堂县 when the school seed made one there, else the first) and publishes supply.
* Competition 1 is published (ranks with ties come from per-judge z-scores); competition 2 is in judging,
  scored by every judge but one entry, so the joint office sees what is missing.

Deterministic for a seed; deletes and recreates only synthetic rows (and the account it made).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction

from educloud.accounts.api import DEMO_PASSWORD, Role, RoleAssignment, User, user_create_with_role
from educloud.industry import services
from educloud.industry.models import (
    Apprenticeship,
    AuditEntry,
    Competition,
    Demand,
    DemandSkill,
    Enterprise,
    Entry,
    JudgeScore,
    OrderClass,
    Skill,
    Supply,
    SupplySkill,
    TrainingBase,
)
from educloud.schools.api import School

DEMO_ENTERPRISE = "示例智能制造企业"
VOC_ADMIN = "voc_admin"

ENTERPRISES = [
    # name, county, industry
    (DEMO_ENTERPRISE, "500118", "manufacturing"),
    ("渝西数控装备有限公司（演示）", "500118", "manufacturing"),
    ("两江智能汽车制造公司（演示）", "500112", "automotive"),
    ("璧山新能源电池有限公司（演示）", "500120", "automotive"),
    ("沙坪坝电子信息产业园企业（演示）", "500106", "electronics"),
    ("巴南现代物流公司（演示）", "500113", "logistics"),
    ("铜梁食品加工公司（演示）", "500151", "food"),
    ("成都软件服务有限公司（演示）", "510104", "software"),
    ("龙泉驿汽车零部件公司（演示）", "510112", "automotive"),
    ("双流航空物流公司（演示）", "510116", "logistics"),
    ("金堂化工新材料公司（演示）", "510121", "chemical"),
    ("德阳重型装备公司（演示）", "510603", "manufacturing"),
    ("绵阳电子科技公司（演示）", "510703", "electronics"),
    ("内江康养服务中心（演示）", "511002", "health"),
    ("自贡文旅集团（演示）", "510302", "tourism"),
]

# position, industry, skills (name: level); headcounts and counties are drawn per enterprise
POSITIONS: dict[str, list[tuple[str, dict[str, int]]]] = {
    "manufacturing": [
        ("数控车工", {"数控车床编程": 3, "机械制图与CAD": 2, "安全生产与质量管理": 2}),
        ("自动化产线技术员", {"PLC 编程": 3, "工业机器人操作与编程": 3, "电工作业": 2}),
        ("焊接技术员", {"焊接": 4, "机械制图与CAD": 2}),
    ],
    "automotive": [
        ("新能源汽车检修技师", {"新能源汽车动力电池检修": 3, "汽车故障诊断": 3, "电工作业": 2}),
        ("装配线技术员", {"钳工装配": 3, "工业机器人运维": 2, "安全生产与质量管理": 2}),
    ],
    "electronics": [
        ("SMT 工艺员", {"SMT 贴片工艺": 3, "电子产品装配与调试": 3}),
        ("物联网实施工程师", {"物联网设备安装调试": 3, "网络搭建与运维": 2}),
    ],
    "software": [
        ("Java 开发工程师", {"Java 程序设计": 4, "数据库管理": 3, "软件测试": 2}),
        ("数据标注与训练专员", {"人工智能数据标注与训练": 3, "Python 程序设计": 2, "大数据分析": 2}),
    ],
    "logistics": [("仓储主管助理", {"仓储与物流管理": 3, "电子商务运营": 2})],
    "food": [("食品检验员", {"食品加工与检验": 3, "安全生产与质量管理": 3})],
    "chemical": [("化工操作员", {"化工单元操作": 3, "安全生产与质量管理": 3})],
    "health": [("养老护理员", {"老年照护": 3, "护理": 2})],
    "tourism": [("旅游接待专员", {"导游与旅游服务": 3, "酒店服务与管理": 2, "川菜烹饪": 1})],
}

# major, industry, skills taught (name: level)
MAJORS = [
    (
        "数控技术应用",
        "manufacturing",
        {"数控车床编程": 3, "数控铣削与加工中心": 3, "机械制图与CAD": 3, "钳工装配": 2},
    ),
    ("机电技术应用", "manufacturing", {"PLC 编程": 3, "电工作业": 3, "机电设备安装调试": 3}),
    ("工业机器人技术应用", "manufacturing", {"工业机器人操作与编程": 3, "工业机器人运维": 3, "PLC 编程": 2}),
    ("焊接技术应用", "manufacturing", {"焊接": 4, "机械制图与CAD": 2, "安全生产与质量管理": 2}),
    (
        "新能源汽车运用与维修",
        "automotive",
        {"新能源汽车动力电池检修": 3, "汽车机电维修": 3, "汽车故障诊断": 2},
    ),
    ("汽车运用与维修", "automotive", {"汽车机电维修": 3, "汽车故障诊断": 3}),
    ("电子技术应用", "electronics", {"电子产品装配与调试": 3, "SMT 贴片工艺": 2}),
    ("物联网技术应用", "electronics", {"物联网设备安装调试": 3, "网络搭建与运维": 3}),
    ("软件与信息服务", "software", {"Java 程序设计": 3, "数据库管理": 3, "Web 前端开发": 3, "软件测试": 2}),
    ("大数据技术应用", "software", {"Python 程序设计": 3, "大数据分析": 3, "人工智能数据标注与训练": 2}),
    ("物流服务与管理", "logistics", {"仓储与物流管理": 3, "电子商务运营": 2}),
    ("食品生物工艺", "food", {"食品加工与检验": 3}),
    ("化工工艺", "chemical", {"化工单元操作": 3, "安全生产与质量管理": 2}),
    ("护理", "health", {"护理": 3, "老年照护": 2}),
    ("旅游服务与管理", "tourism", {"导游与旅游服务": 3, "酒店服务与管理": 3}),
    ("中餐烹饪", "tourism", {"川菜烹饪": 4}),
]


@dataclass(frozen=True)
class IndustrySeedReport:
    skills: int
    enterprises: int
    demands: int
    supplies: int
    order_classes: int
    bases: int
    apprenticeships: int
    competitions: int

    def __str__(self) -> str:
        return (
            f"synthetic industry: {self.skills} skills, {self.enterprises} enterprises, "
            f"{self.demands} demands, {self.supplies} supply programmes, {self.order_classes} order classes, "
            f"{self.bases} training bases, "
            f"{self.apprenticeships} apprenticeships, {self.competitions} competitions"
        )


def _delete() -> None:
    for model in (Competition, OrderClass, TrainingBase, Apprenticeship, Supply, Demand, Enterprise):
        model.objects.filter(is_synthetic=True).delete()
    User.objects.filter(is_synthetic=True, username=VOC_ADMIN).delete()
    AuditEntry.objects.filter(actor__isnull=True).delete()


def _with_skills(row: Demand | Supply, levels: dict[str, int]) -> None:
    found = services.skill_lookup(levels)
    model = DemandSkill if isinstance(row, Demand) else SupplySkill
    key = "demand" if isinstance(row, Demand) else "supply"
    model.objects.bulk_create(model(**{key: row}, skill=found[n], level=lv) for n, lv in levels.items())


@transaction.atomic
def demo_industry_seed(*, seed: int) -> IndustrySeedReport:
    rng = np.random.default_rng(seed + 15)
    services.skills_load()
    _delete()
    today = dt.date(2026, 9, 1)
    enterprise_user = User.objects.filter(username="enterprise").first()

    enterprises = []
    for name, county, industry in ENTERPRISES:
        e = Enterprise.objects.create(name=name, county_id=county, industry=industry, is_synthetic=True)
        if name == DEMO_ENTERPRISE and enterprise_user is not None:
            e.members.add(enterprise_user)
        enterprises.append(e)

    demands = 0
    for e in enterprises:
        for position, levels in POSITIONS[e.industry][
            : 2 if e.name == DEMO_ENTERPRISE else int(rng.integers(1, 4))
        ]:
            d = Demand.objects.create(
                enterprise=e,
                position=position,
                industry=e.industry,
                county=e.county,
                headcount=int(rng.integers(15, 91)),
                deadline=today + dt.timedelta(days=int(rng.integers(60, 240))),
                description="演示用合成岗位需求。",
                created_by=enterprise_user if e.name == DEMO_ENTERPRISE else None,
                is_synthetic=True,
            )
            _with_skills(d, levels)
            demands += 1

    schools = list(
        School.objects.filter(is_synthetic=True, stage__in=services.SUPPLY_STAGES)
        .select_related("county")
        .order_by("code")
    )
    voc = [s for s in schools if s.stage == School.Stage.VOCATIONAL]
    # voc_admin's school: a vocational school of the demo counties (永川区, 金堂县) when the seed made one
    home = next((s for c in ("500118", "510121") for s in voc if s.county_id == c), voc[0] if voc else None)
    counties = {e.county_id for e in enterprises}
    first_in_county = {s.county_id: s for s in reversed(schools) if s.county_id in counties}
    picked = [s for s in schools if s == home or s in first_in_county.values() or rng.random() < 0.1]
    supplies = 0
    for school in picked:
        n = 3 if school == home else int(rng.integers(1, 4))
        for k in rng.choice(len(MAJORS), size=n, replace=False):
            major, industry, levels = MAJORS[int(k)]
            jitter = {name: int(np.clip(lv + rng.integers(-1, 2), 1, 5)) for name, lv in levels.items()}
            s = Supply.objects.create(
                school=school,
                major=major,
                industry=industry,
                graduates_per_year=int(rng.integers(10, 46)),
                is_synthetic=True,
            )
            _with_skills(s, jitter)
            supplies += 1

    if home is not None and not User.objects.filter(username=VOC_ADMIN).exists():
        user_create_with_role(
            username=VOC_ADMIN,
            password=None,
            password_hash=make_password(DEMO_PASSWORD),
            role=Role.SCHOOL_ADMIN,
            display_name=f"{home.name}管理员（演示）",
            scope={"school": home},
            is_synthetic=True,
        )

    # order classes: one per state, enterprises with a nearby vocational school
    states = [
        ("proposed", 0, 0),
        ("agreed", 0, 0),
        ("enrolling", 0, 0),
        ("training", 38, 0),
        ("completed", 40, 33),
        ("completed", 30, 27),
        ("cancelled", 0, 0),
    ]
    near = {e.pk: [s for s in voc if s.county_id == e.county_id] or voc for e in enterprises}
    order_classes = 0
    for k, (status, enrolled, employed) in enumerate(states):
        e = enterprises[k % len(enterprises)]
        school = home if e.name == DEMO_ENTERPRISE and home else near[e.pk][0]
        OrderClass.objects.create(
            enterprise=e,
            school=school,
            title=f"{e.name.replace('（演示）', '')}订单班（演示）",
            major=MAJORS[k % len(MAJORS)][0],
            planned_size=40,
            enrolled=enrolled,
            employed=employed,
            status=status,
            is_synthetic=True,
        )
        order_classes += 1
    bases = 0
    for e in enterprises[:6]:
        TrainingBase.objects.create(
            enterprise=e,
            school=near[e.pk][0],
            name=f"{e.name.replace('（演示）', '')}实训基地（演示）",
            capacity=int(rng.integers(30, 121)),
            majors="、".join(m[0] for m in MAJORS if m[1] == e.industry)[:200] or "通用",
            is_synthetic=True,
        )
        bases += 1
    apprenticeships = 0
    for e in enterprises[2:7]:
        Apprenticeship.objects.create(
            enterprise=e,
            school=near[e.pk][0],
            major=next((m[0] for m in MAJORS if m[1] == e.industry), "通用"),
            apprentices=int(rng.integers(10, 31)),
            mentors=int(rng.integers(3, 9)),
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2028, 6, 30),
            is_synthetic=True,
        )
        apprenticeships += 1

    competitions = _competitions(rng, voc)
    return IndustrySeedReport(
        skills=Skill.objects.count(),
        enterprises=len(enterprises),
        demands=demands,
        supplies=supplies,
        order_classes=order_classes,
        bases=bases,
        apprenticeships=apprenticeships,
        competitions=competitions,
    )


def _competitions(rng: np.random.Generator, voc: list[School]) -> int:
    judges = list(
        RoleAssignment.objects.filter(role=Role.EXPERT)
        .order_by("user__username")
        .values_list("user_id", flat=True)
    )[:3]
    if len(judges) < 2 or len(voc) < 4:
        return 0
    found = services.skill_lookup(["数控车床编程", "工业机器人操作与编程"])
    made = 0
    for number, (title, skill, kind, status) in enumerate(
        [
            ("2026 年川渝职业院校数控车削技能大赛（演示）", "数控车床编程", "individual", "published"),
            ("2026 年川渝工业机器人应用技能竞赛（演示）", "工业机器人操作与编程", "team", "judging"),
        ]
    ):
        c = Competition.objects.create(
            title=title,
            skill=found[skill],
            kind=kind,
            team_min=1 if kind == "individual" else 2,
            team_max=1 if kind == "individual" else 4,
            status=status,
            is_synthetic=True,
        )
        c.judges.set(judges)
        entries = [
            Entry.objects.create(
                competition=c,
                school=school,
                label=f"{school.name}{'选手' if kind == 'individual' else '代表队'}{chr(65 + i)}（化名）",
                size=1 if kind == "individual" else 3,
                is_synthetic=True,
            )
            for i, school in enumerate(voc[number * 3 : number * 3 + 6])
        ]
        quality = rng.normal(75, 8, size=len(entries))
        quality[1] = quality[0]  # a tie to show shared ranks
        for j, judge in enumerate(judges):
            harshness = (-8.0, 0.0, 6.0)[j % 3]  # judges differ in severity: z-scores remove it
            for k, entry in enumerate(entries):
                if status == "judging" and j == len(judges) - 1 and k == len(entries) - 1:
                    continue  # one score still missing
                JudgeScore.objects.create(
                    entry=entry,
                    judge_id=judge,
                    score=float(np.clip(round(quality[k] + harshness, 1), 0, 100)),
                )
        if status == "published":
            for s in services.standings(c):
                s.entry.final_score = s.final_score
                s.entry.rank = s.rank
                s.entry.save(update_fields=["final_score", "rank"])
        made += 1
    return made
