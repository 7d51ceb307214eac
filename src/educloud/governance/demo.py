"""Synthetic governance data for the demo (labelled synthetic): experts, three fund calls, two joint meetings.

* 2025 call — selected (knapsack), funded projects with reports (the DEA page has data) and an award.
* 2026 call — reviewing: every application scored by its conflict-free reviewers; the joint office
  runs the selection (the browser test does).
* 2027 call — open for applications.
* Joint meetings no. 1 (重庆 hosts) and no. 2 (四川 hosts), resolutions, action items owned by
  both governments, some overdue, some with evidence.

Deterministic for a seed; deletes and recreates only synthetic rows (and the experts it made).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Q

from educloud.accounts.api import DEMO_PASSWORD, Role, User, user_create_with_role
from educloud.governance import services
from educloud.governance.models import (
    ActionItem,
    Application,
    AuditEntry,
    ExpertProfile,
    FundCall,
    JointMeeting,
    ReviewAssignment,
)
from educloud.schools.api import School

EXPERTS = [
    # username, display name, organisation, works in county (conflicts with its schools)
    ("expert", None, "西南大学教育学部（演示）", "500118"),  # the demo account: 永川区 → conflicts there
    ("expert_2", "评审专家乙（化名）", "四川师范大学（演示）", "510104"),
    ("expert_3", "评审专家丙（化名）", "重庆师范大学（演示）", "500106"),
    ("expert_4", "评审专家丁（化名）", "成都市教科院（演示）", "510121"),  # 金堂县 → conflicts there
    ("expert_5", "评审专家戊（化名）", "重庆市教科院（演示）", "500103"),
]

TITLES = [
    ("smart", "AI 助教在农村小学数学课堂的应用"),
    ("teachers", "川渝骨干教师双向跟岗研修"),
    ("curriculum", "巴蜀文化地方课程共建"),
    ("equity", "县域薄弱学校同步课堂"),
    ("smart", "智慧作业与学情诊断平台试点"),
    ("vocational", "职业启蒙与产教融合体验课"),
    ("teachers", "新教师跨区域导师制"),
    ("curriculum", "川渝科学实验课程资源包"),
    ("equity", "留守儿童心理健康协同支持"),
    ("smart", "双师课堂常态化应用"),
    ("curriculum", "成渝研学旅行课程开发"),
    ("teachers", "乡村教师信息素养提升"),
]


@dataclass(frozen=True)
class GovernanceSeedReport:
    experts: int
    calls: int
    applications: int
    reviews: int
    meetings: int
    actions: int
    policies: int = 0

    def __str__(self) -> str:
        return (
            f"synthetic governance: {self.experts} experts, {self.calls} fund calls, {self.applications} "
            f"applications, {self.reviews} reviews, {self.meetings} joint meetings, "
            f"{self.actions} action items, {self.policies} policy documents"
        )


POLICIES = [
    (
        "川渝教育协同发展专项基金管理办法（演示）",
        "川渝教协〔2025〕1号",
        "川渝教育协同发展联合办公室",
        None,
        "2025-12-01",
        "fund",
        "规定专项基金的申报条件、专家评审与回避、立项遴选规则、经费使用与绩效评价。",
    ),
    (
        "重庆市中小学教师跨区域交流实施细则（演示）",
        "渝教〔2025〕12号",
        "重庆市教育委员会（演示）",
        "500000",
        "2025-09-10",
        "teachers",
        "支持骨干教师赴四川学校跟岗研修，交流经历计入职称评审。",
    ),
    (
        "四川省教育数字化转型行动方案（演示）",
        "川教〔2025〕30号",
        "四川省教育厅（演示）",
        "510000",
        "2025-06-18",
        "digital",
        "推进智慧教育平台建设与资源互通，开展双师课堂和智能助教试点。",
    ),
    (
        "成渝地区职业教育产教融合协同推进方案（演示）",
        "川渝教协〔2026〕2号",
        "川渝教育协同发展联合办公室",
        None,
        "2026-03-15",
        "vocational",
        "共建产教融合实训基地，推动职业院校与企业联合培养。",
    ),
    (
        "重庆市义务教育优质均衡发展推进计划（演示）",
        "渝教〔2026〕5号",
        "重庆市教育委员会（演示）",
        "500000",
        "2026-02-20",
        "equity",
        "按县域义务教育优质均衡督导评估办法补齐资源配置短板。",
    ),
    (
        "四川省中小学教师信息素养提升工程（演示）",
        "川教〔2026〕8号",
        "四川省教育厅（演示）",
        "510000",
        "2026-04-02",
        "teachers",
        "开展乡村教师信息素养培训，建立川渝联合研修共同体。",
    ),
]


def _delete() -> None:
    from educloud.governance.models import AllianceEvent, PolicyDocument, ResearchProject

    AllianceEvent.objects.filter(is_synthetic=True).delete()
    ResearchProject.objects.filter(is_synthetic=True).delete()

    synthetic = list(PolicyDocument.objects.filter(is_synthetic=True))
    services.policies_unindex(synthetic)
    PolicyDocument.objects.filter(pk__in=[p.pk for p in synthetic]).delete()
    FundCall.objects.filter(is_synthetic=True).delete()
    JointMeeting.objects.filter(is_synthetic=True).delete()
    ExpertProfile.objects.filter(is_synthetic=True).delete()
    User.objects.filter(is_synthetic=True, username__in=[e[0] for e in EXPERTS[1:]]).delete()
    AuditEntry.objects.filter(actor__isnull=True).delete()


def _applicants() -> list[tuple[User, School]]:
    """The demo accounts and the teachers of the demo schools (永川区, 金堂县: both provinces)."""
    from educloud.accounts.api import RoleAssignment

    rows = (
        RoleAssignment.objects.filter(role__in=[Role.TEACHER, Role.SCHOOL_ADMIN], user__is_synthetic=True)
        .filter(Q(user__username__in=["teacher", "school_admin"]) | Q(user__username__startswith="t_"))
        .select_related("user", "school")
        .order_by("school__code", "user__username")
    )
    by_school: dict[int, list[tuple[User, School]]] = {}
    for r in sorted(
        rows, key=lambda r: (r.user.username not in ("teacher", "school_admin"), r.user.username)
    ):
        by_school.setdefault(r.school_id, []).append((r.user, r.school))  # the demo accounts apply first
    # two applicants per school, round-robin over schools so both provinces apply
    picked: list[tuple[User, School]] = []
    for k in range(2):
        for people in by_school.values():
            if len(people) > k:
                picked.append(people[k])
    return picked


def _applications(
    call: FundCall, rng: np.random.Generator, n: int, applicants: list[tuple[User, School]]
) -> list[Application]:
    made = []
    for i in range(n):
        user, school = applicants[i % len(applicants)]
        category, title = TITLES[i % len(TITLES)]
        amount = int(rng.integers(10, call.max_request // 10_000 + 1)) * 10_000
        made.append(
            services.application_submit(
                actor=user,
                call_id=call.pk,
                title=f"{title}（{school.name[:8]}）",
                category=category,
                budget_requested=amount,
                summary="演示用合成申报书。",
                school_id=school.pk,
                is_synthetic=True,
            )
        )
    return made


def _score_all(call: FundCall, rng: np.random.Generator) -> int:
    quality = {a.pk: rng.normal(70, 10) for a in call.applications.all()}
    severity = {}
    n = 0
    for review in ReviewAssignment.objects.filter(application__call=call).select_related("reviewer"):
        bias = severity.setdefault(review.reviewer_id, rng.normal(0, 8))
        score = float(
            np.clip(round(quality[review.application_id] + bias + rng.normal(0, 4)), 0, call.score_max)
        )
        services.review_score(
            actor=review.reviewer, assignment_id=review.pk, score=score, comment="（合成评审意见）"
        )
        n += 1
    return n


@transaction.atomic
def demo_governance_seed(*, seed: int) -> GovernanceSeedReport:
    _delete()
    rng = np.random.default_rng(seed + 18)
    office = User.objects.get(username="joint_office")
    cq, sc = User.objects.get(username="cq_bureau"), User.objects.get(username="sc_bureau")
    for username, display, organisation, county in EXPERTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create_with_role(
                username=username,
                password=DEMO_PASSWORD,
                role=Role.EXPERT,
                display_name=display or username,
                is_synthetic=True,
            )
        ExpertProfile.objects.create(
            user=user, organisation=organisation, county_id=county, is_synthetic=True
        )
    applicants = _applicants()

    old = services.call_create(
        actor=office,
        title="2025 年度成渝教育协同发展专项基金",
        year=2025,
        budget=2_000_000,
        max_request=400_000,
        deadline=dt.date(2025, 4, 30),
        is_synthetic=True,
    )
    _applications(old, rng, 10, applicants)
    services.reviewers_assign(actor=office, call_id=old.pk)
    reviews = _score_all(old, rng)
    services.selection_run(actor=office, call_id=old.pk, rule="knapsack")
    funded = list(old.applications.filter(status=Application.Status.FUNDED).select_related("applicant"))
    for a in funded:
        for half, share in (("2025 下半年", 0.45), ("2026 上半年", 0.4)):
            services.report_submit(
                actor=a.applicant,
                application_id=a.pk,
                period=half,
                progress=50 if share < 0.45 else 45,
                spend=int(a.budget_requested * share * rng.uniform(0.8, 1.0)),
                teachers_trained=int(rng.integers(10, 120)),
                students_reached=int(rng.integers(100, 3000)),
                resources_created=int(rng.integers(2, 40)),
                note="演示用合成进展。",
            )
    if funded:
        services.award_grant(
            actor=office,
            application_id=funded[0].pk,
            level="first",
            citation="投入产出效率高，成果可推广（演示）",
        )

    current = services.call_create(
        actor=office,
        title="2026 年度成渝教育协同发展专项基金",
        year=2026,
        budget=2_500_000,
        max_request=500_000,
        deadline=dt.date(2026, 10, 31),
        floor_cq=600_000,
        floor_sc=600_000,
        is_synthetic=True,
        description="支持川渝两地学校开展智慧教育、师资协同、课程共建等合作项目（演示数据）。",
    )
    apps_now = _applications(current, rng, 12, applicants)
    services.reviewers_assign(actor=office, call_id=current.pk)
    reviews += _score_all(current, rng)

    upcoming = services.call_create(
        actor=office,
        title="2027 年度专项基金（征集中）",
        year=2027,
        budget=3_000_000,
        max_request=500_000,
        deadline=dt.date(2027, 3, 31),
        is_synthetic=True,
    )

    first = services.meeting_create(
        actor=office,
        title="川渝教育协同发展联席会议第一次会议",
        session=1,
        date=dt.date(2025, 11, 20),
        host_province="500000",
        location="重庆市永川区",
        agenda=[
            ("通报年度合作进展", "联合办公室"),
            ("审议专项基金管理办法", "重庆市教委"),
            ("部署教师交流计划", "四川省教育厅"),
        ],
        attendance=[
            ("500000", "张某（化名）", "市教委副主任"),
            ("510000", "李某（化名）", "省教育厅副厅长"),
            ("500000", "王某（化名）", "处长"),
            ("510000", "赵某（化名）", "处长"),
        ],
        minutes="会议通报了年度合作进展，审议通过专项基金管理办法，部署两地教师交流计划。（演示纪要）",
        is_synthetic=True,
    )
    second = services.meeting_create(
        actor=office,
        title="川渝教育协同发展联席会议第二次会议",
        session=2,
        date=dt.date(2026, 6, 18),
        host_province="510000",
        location="四川省成都市",
        agenda=[("专项基金 2025 年度绩效通报", "联合办公室"), ("智慧教育平台互通", "四川省教育厅")],
        attendance=[("500000", "张某（化名）", "市教委副主任"), ("510000", "李某（化名）", "省教育厅副厅长")],
        minutes="会议听取专项基金绩效通报，决定推进两地智慧教育平台资源互通。（演示纪要）",
        is_synthetic=True,
    )
    r1 = services.resolution_add(
        actor=office, meeting_id=first.pk, text="两地每年互派骨干教师不少于 200 人次跟岗研修。"
    )
    r2 = services.resolution_add(
        actor=office, meeting_id=first.pk, text="出台成渝教育协同发展专项基金管理办法。"
    )
    r3 = services.resolution_add(
        actor=office, meeting_id=second.pk, text="2026 年底前实现两地教育资源平台目录互通。"
    )
    a1 = services.action_add(
        actor=office,
        resolution_id=r1.pk,
        title="重庆派出骨干教师跟岗研修",
        owner_province="500000",
        owner_user_id=cq.pk,
        deadline=dt.date(2026, 7, 31),
    )
    services.action_add(
        actor=office,
        resolution_id=r1.pk,
        title="四川派出骨干教师跟岗研修",
        owner_province="510000",
        owner_user_id=sc.pk,
        deadline=dt.date(2026, 7, 31),
    )
    a3 = services.action_add(
        actor=office,
        resolution_id=r2.pk,
        title="起草并印发基金管理办法",
        owner_province="500000",
        owner_user_id=cq.pk,
        deadline=dt.date(2026, 3, 31),
    )
    services.action_add(
        actor=office,
        resolution_id=r3.pk,
        title="四川资源平台开放目录接口",
        owner_province="510000",
        owner_user_id=sc.pk,
        deadline=dt.date(2026, 12, 31),
    )
    services.action_add(
        actor=office,
        resolution_id=r3.pk,
        title="重庆资源平台对接目录接口",
        owner_province="500000",
        owner_user_id=cq.pk,
        deadline=dt.date(2026, 12, 31),
    )
    services.action_update(
        actor=cq, action_id=a1.pk, note="已派出 120 人次（演示）", progress=60, status="in_progress"
    )
    services.action_update(
        actor=cq,
        action_id=a3.pk,
        note="管理办法已印发（演示）",
        progress=100,
        status="done",
        evidence_url="https://example.org/demo/fund-rules",
    )
    for title, number, issuer, province, issued, category, summary in POLICIES:
        services.policy_publish(
            actor=office,
            title=title,
            number=number,
            issuer=issuer,
            province=province,
            issued_on=dt.date.fromisoformat(issued),
            category=category,
            summary=summary + "（合成摘要）",
            is_synthetic=True,
        )
    p1 = services.research_project_create(
        actor=office,
        title="双城经济圈县域教育数字化转型路径研究（演示）",
        lead_institution="西南大学（演示）",
        lead_province="500000",
        partner_institution="四川师范大学（演示）",
        partner_province="510000",
        theme="教育数字化",
        start=dt.date(2025, 9, 1),
        summary="比较两地县域智慧教育平台应用（合成数据）。",
        is_synthetic=True,
    )
    p2 = services.research_project_create(
        actor=office,
        title="川渝职业教育产教融合评价指标研究（演示）",
        lead_institution="四川省教科院（演示）",
        lead_province="510000",
        partner_institution="重庆市教科院（演示）",
        partner_province="500000",
        theme="产教融合",
        start=dt.date(2026, 3, 1),
        is_synthetic=True,
    )
    services.alliance_event_create(
        actor=office,
        title="成渝教育研究联盟年度论坛（演示）",
        kind="forum",
        date=dt.date(2025, 12, 10),
        host_province="510000",
        location="成都市",
        project_id=p1.pk,
        is_synthetic=True,
    )
    services.alliance_event_create(
        actor=office,
        title="产教融合评价研讨会（演示）",
        kind="seminar",
        date=dt.date(2026, 5, 20),
        host_province="500000",
        location="重庆市永川区",
        project_id=p2.pk,
        is_synthetic=True,
    )
    services.research_output_add(
        actor=office, project_id=p1.pk, title="县域智慧教育应用现状调查报告（演示）", kind="report", year=2026
    )
    services.research_output_add(
        actor=office, project_id=p1.pk, title="双师课堂教学设计案例集（演示）", kind="course", year=2026
    )
    del apps_now, upcoming
    return GovernanceSeedReport(
        experts=len(EXPERTS),
        calls=FundCall.objects.filter(is_synthetic=True).count(),
        applications=Application.objects.filter(is_synthetic=True).count(),
        reviews=reviews,
        meetings=2,
        actions=ActionItem.objects.filter(resolution__meeting__is_synthetic=True).count(),
        policies=len(POLICIES),
    )
