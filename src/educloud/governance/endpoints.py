"""REST endpoints of the governance app, mounted under /api/v1/governance/.

A web-layer module. Every operation needs a login; services check the role (joint office, applicant,
expert, bureau) and selectors filter by scope; errors are ``{"detail", "field"}`` (400/403/404/422).
Money is whole yuan.
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

import datetime as dt

from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from educloud.governance import selectors, services
from educloud.governance.models import ActionItem, Application, SelectionRun
from educloud.lib.api_errors import LOGIN_ERRORS, with_errors
from educloud.lib.bounds import Id, Page, Year

router = Router(tags=["governance"], auth=django_auth)


class CallIn(Schema):
    title: str = Field(max_length=120)
    year: Year
    budget: int = Field(ge=1, le=10**12, description="资助总额（元）")
    max_request: int = Field(ge=1, le=10**12, description="单项上限（元）")
    deadline: dt.date
    description: str = ""
    score_max: int = Field(100, ge=1, le=1000)
    reviewers_per_application: int = Field(3, ge=1, le=20)
    floor_cq: int = Field(0, ge=0, le=10**12)
    floor_sc: int = Field(0, ge=0, le=10**12)


class CallOut(Schema):
    id: int
    title: str
    year: int
    budget: int
    max_request: int
    score_max: int
    status: str
    deadline: dt.date


class ApplicationIn(Schema):
    title: str = Field(max_length=120)
    category: str = Field(description="smart|teachers|curriculum|vocational|equity")
    budget_requested: int = Field(ge=1, le=10**12, description="申请金额（元）")
    summary: str = ""
    school_id: Id | None = None


class ApplicationOut(Schema):
    id: int
    call_id: int
    title: str
    category: str
    school: str
    budget_requested: int
    status: str

    @staticmethod
    def resolve_school(obj: Application) -> str:
        return obj.school.name


class ScoreIn(Schema):
    score: float = Field(description="评分（0 到批次满分）")
    comment: str = ""


class ReviewOut(Schema):
    id: int
    application_id: int
    title: str
    score: float | None

    @staticmethod
    def resolve_title(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.application.title


class RunIn(Schema):
    rule: str = Field(description="knapsack|greedy|greedy_ratio|mes|phragmen")


class SelectionOutcomeOut(Schema):
    application_id: int
    funded: bool
    reason: str
    score: float | None
    rank: int
    explanation: str


class SelectionRunOut(Schema):
    id: int
    rule: str
    budget: int
    total_cost: int
    objective: float
    outcomes: list[SelectionOutcomeOut]

    @staticmethod
    def resolve_outcomes(obj: SelectionRun) -> list:  # type: ignore[type-arg]
        return list(obj.outcomes.all())


class ReportIn(Schema):
    period: str = Field(max_length=20)
    progress: int = Field(ge=0, le=100)
    spend: int = Field(ge=0, le=10**12)
    teachers_trained: int = Field(0, ge=0, le=10**7)
    students_reached: int = Field(0, ge=0, le=10**8)
    resources_created: int = Field(0, ge=0, le=10**6)
    note: str = ""


class AwardIn(Schema):
    level: str = Field(description="first|second|third")
    citation: str = Field(max_length=200)


class PerformanceOut(Schema):
    application_id: int
    title: str
    granted: int
    spent: int
    efficiency: float | None
    note: str


class MeetingIn(Schema):
    title: str = Field(max_length=120)
    session: int = Field(ge=1, le=1000)
    date: dt.date
    host_province: str = Field(description="500000 重庆 | 510000 四川")
    location: str = Field(max_length=64)
    agenda: list[str] = []
    minutes: str = ""


class MeetingOut(Schema):
    id: int
    title: str
    session: int
    date: dt.date
    host_province_id: str


class ResolutionIn(Schema):
    text: str = Field(max_length=4000)


class ResolutionOut(Schema):
    id: int
    meeting_id: int
    number: int
    text: str


class ActionIn(Schema):
    title: str = Field(max_length=120)
    owner_province: str
    deadline: dt.date
    owner_user_id: Id | None = None


class ActionOut(Schema):
    id: int
    resolution_id: int
    title: str
    owner_province_id: str
    deadline: dt.date
    status: str
    progress: int
    overdue: bool

    @staticmethod
    def resolve_overdue(obj: ActionItem) -> bool:
        return selectors.is_overdue(obj)


class UpdateIn(Schema):
    note: str = Field(max_length=4000)
    progress: int = Field(ge=0, le=100)
    status: str = Field(description="not_started|in_progress|done")
    evidence_url: str = ""
    evidence_resource_id: Id | None = None


class UpdateOut(Schema):
    id: int
    action_id: int
    progress: int
    status: str
    evidence_url: str
    evidence_resource_id: int | None


E = with_errors


@router.get("/calls", response=E(list[CallOut], LOGIN_ERRORS), summary="专项基金资助批次")
def calls(request):  # type: ignore[no-untyped-def]
    return list(selectors.call_list())


@router.post("/calls", response=E({201: CallOut}, LOGIN_ERRORS), summary="发布资助批次（联合办公室）")
def call_create(request, payload: CallIn):  # type: ignore[no-untyped-def]
    return Status(201, services.call_create(actor=request.user, **payload.dict()))


@router.get("/calls/{call_id}", response=E(CallOut, LOGIN_ERRORS), summary="资助批次详情")
def call_detail(request, call_id: Id):  # type: ignore[no-untyped-def]
    return selectors.call_get(call_id=call_id)


@router.post(
    "/calls/{call_id}/applications",
    response=E({201: ApplicationOut}, LOGIN_ERRORS),
    summary="申报项目（学校管理员、教师）",
)
def application_submit(request, call_id: Id, payload: ApplicationIn):  # type: ignore[no-untyped-def]
    return Status(201, services.application_submit(actor=request.user, call_id=call_id, **payload.dict()))


@router.get(
    "/applications", response=E(list[ApplicationOut], LOGIN_ERRORS), summary="可见的申报项目（按角色范围）"
)
def applications(request, call_id: Id | None = None):  # type: ignore[no-untyped-def]
    return list(selectors.application_list(actor=request.user, call_id=call_id))


@router.get(
    "/applications/{application_id}", response=E(ApplicationOut, LOGIN_ERRORS), summary="申报项目详情"
)
def application_detail(request, application_id: Id):  # type: ignore[no-untyped-def]
    return selectors.application_get(actor=request.user, application_id=application_id)


@router.post(
    "/calls/{call_id}/assign",
    response=E(dict[str, int], LOGIN_ERRORS),
    summary="分配评审专家（回避利益冲突；联合办公室）",
)
def assign(request, call_id: Id):  # type: ignore[no-untyped-def]
    return {"assigned": services.reviewers_assign(actor=request.user, call_id=call_id)}


@router.get("/reviews", response=E(list[ReviewOut], LOGIN_ERRORS), summary="我的评审任务（专家）")
def reviews(request):  # type: ignore[no-untyped-def]
    return list(selectors.review_list(actor=request.user))


@router.put("/reviews/{assignment_id}", response=E(ReviewOut, LOGIN_ERRORS), summary="评分（专家）")
def review_score(request, assignment_id: Id, payload: ScoreIn):  # type: ignore[no-untyped-def]
    return services.review_score(actor=request.user, assignment_id=assignment_id, **payload.dict())


@router.post(
    "/calls/{call_id}/selection",
    response=E({201: SelectionRunOut}, LOGIN_ERRORS),
    summary="运行遴选（规则：knapsack|greedy|greedy_ratio|mes|phragmen；联合办公室）",
)
def selection(request, call_id: Id, payload: RunIn):  # type: ignore[no-untyped-def]
    return Status(201, services.selection_run(actor=request.user, call_id=call_id, rule=payload.rule))


@router.get(
    "/calls/{call_id}/selection",
    response=E(SelectionRunOut | None, LOGIN_ERRORS),
    summary="采用的遴选结果及每个项目入选/未入选的原因",
)
def selection_result(request, call_id: Id):  # type: ignore[no-untyped-def]
    selectors.call_get(call_id=call_id)
    return selectors.adopted_run(call_id=call_id)


@router.post(
    "/applications/{application_id}/reports",
    response=E({201: dict[str, int]}, LOGIN_ERRORS),
    summary="填报项目进展与支出（申报人、本校管理员）",
)
def report(request, application_id: Id, payload: ReportIn):  # type: ignore[no-untyped-def]
    created = services.report_submit(actor=request.user, application_id=application_id, **payload.dict())
    return Status(201, {"id": created.pk})


@router.get(
    "/calls/{call_id}/performance",
    response=E(list[PerformanceOut], LOGIN_ERRORS),
    summary="立项项目投入产出绩效（DEA）",
)
def performance(request, call_id: Id):  # type: ignore[no-untyped-def]
    selectors.call_get(call_id=call_id)
    return [
        {
            "application_id": r.application.pk,
            "title": r.application.title,
            "granted": r.granted,
            "spent": r.spent,
            "efficiency": r.efficiency,
            "note": r.note,
        }
        for r in selectors.performance(call_id=call_id)
    ]


@router.post(
    "/applications/{application_id}/award",
    response=E({201: dict[str, str]}, LOGIN_ERRORS),
    summary="评奖（联合办公室）",
)
def award(request, application_id: Id, payload: AwardIn):  # type: ignore[no-untyped-def]
    made = services.award_grant(actor=request.user, application_id=application_id, **payload.dict())
    return Status(201, {"level": made.level})


@router.get("/meetings", response=E(list[MeetingOut], LOGIN_ERRORS), summary="联席会议")
def meetings(request):  # type: ignore[no-untyped-def]
    return list(selectors.meeting_list(actor=request.user))


@router.post("/meetings", response=E({201: MeetingOut}, LOGIN_ERRORS), summary="登记联席会议（联合办公室）")
def meeting_create(request, payload: MeetingIn):  # type: ignore[no-untyped-def]
    data = payload.dict()
    agenda = [(t, "") for t in data.pop("agenda")]
    return Status(201, services.meeting_create(actor=request.user, agenda=agenda, **data))


@router.post(
    "/meetings/{meeting_id}/resolutions",
    response=E({201: ResolutionOut}, LOGIN_ERRORS),
    summary="登记决议（联合办公室）",
)
def resolution_add(request, meeting_id: Id, payload: ResolutionIn):  # type: ignore[no-untyped-def]
    return Status(201, services.resolution_add(actor=request.user, meeting_id=meeting_id, text=payload.text))


@router.post(
    "/resolutions/{resolution_id}/actions",
    response=E({201: ActionOut}, LOGIN_ERRORS),
    summary="将决议分解为任务（联合办公室）",
)
def action_add(request, resolution_id: Id, payload: ActionIn):  # type: ignore[no-untyped-def]
    return Status(201, services.action_add(actor=request.user, resolution_id=resolution_id, **payload.dict()))


@router.get("/actions", response=E(list[ActionOut], LOGIN_ERRORS), summary="任务清单（本单位；可只看逾期）")
def actions(request, overdue: bool = False):  # type: ignore[no-untyped-def]
    return list(selectors.action_list(actor=request.user, overdue_only=overdue))


@router.post(
    "/actions/{action_id}/updates",
    response=E({201: UpdateOut}, LOGIN_ERRORS),
    summary="更新任务进展（附佐证：链接或资源库资源）",
)
def action_update(request, action_id: Id, payload: UpdateIn):  # type: ignore[no-untyped-def]
    return Status(201, services.action_update(actor=request.user, action_id=action_id, **payload.dict()))


@router.get(
    "/resolutions/{resolution_id}/trace",
    response=E(dict, LOGIN_ERRORS),
    summary="决议 → 任务 → 进展与佐证（可追溯）",
)
def trace(request, resolution_id: Id):  # type: ignore[no-untyped-def]
    resolution, items = selectors.resolution_trace(actor=request.user, resolution_id=resolution_id)
    return {
        "resolution": {
            "id": resolution.pk,
            "number": resolution.number,
            "text": resolution.text,
            "meeting": resolution.meeting.title,
        },
        "actions": [
            {
                "id": a.pk,
                "title": a.title,
                "owner_province": a.owner_province_id,
                "deadline": a.deadline.isoformat(),
                "status": a.status,
                "progress": a.progress,
                "overdue": selectors.is_overdue(a),
                "updates": [
                    {
                        "note": u.note,
                        "progress": u.progress,
                        "status": u.status,
                        "evidence_url": u.evidence_url,
                        "evidence_resource_id": u.evidence_resource_id,
                        "at": u.created_at.isoformat(),
                    }
                    for u in a.updates.all()
                ],
            }
            for a in items
        ],
    }


class PolicyIn(Schema):
    title: str = Field(max_length=200)
    number: str = Field("", max_length=64, description="文号")
    issuer: str = Field(max_length=64, description="发文机关")
    province: str | None = Field(None, description="500000 | 510000 | null（川渝联合，仅联合办公室）")
    issued_on: dt.date
    category: str = Field(description="plan|fund|teachers|digital|vocational|equity")
    summary: str = Field(max_length=20000)
    url: str = Field("", max_length=300)


class PolicyOut(Schema):
    id: int
    title: str
    number: str
    issuer: str
    province_id: str | None
    issued_on: dt.date
    category: str
    url: str


class PolicyPage(Schema):
    count: int
    items: list[PolicyOut]


@router.get("/policies", response=E(PolicyPage), auth=None, summary="政策库检索（公开；q 为空时按日期）")
def policies(request, q: str = Query("", max_length=100), province: str = "", page: Page = 1):  # type: ignore[no-untyped-def]
    if province not in ("", "500000", "510000", "joint"):
        from educloud.lib.errors import InvalidInput

        raise InvalidInput("province 应为 500000、510000 或 joint", field="province")
    hits, count = selectors.policy_search(actor=request.user, query=q, province=province, page=page)
    return {"count": count, "items": [h.policy for h in hits]}


@router.post(
    "/policies",
    response=E({201: PolicyOut}, LOGIN_ERRORS),
    summary="收录政策（联合办公室、本省级教育行政部门）",
)
def policy_publish(request, payload: PolicyIn):  # type: ignore[no-untyped-def]
    return Status(201, services.policy_publish(actor=request.user, **payload.dict()))


class ProjectIn(Schema):
    title: str = Field(max_length=200)
    lead_institution: str = Field(max_length=64)
    lead_province: str = Field(description="500000 | 510000")
    partner_institution: str = Field(max_length=64)
    partner_province: str = Field(description="the other one")
    theme: str = Field(max_length=64)
    start: dt.date
    end: dt.date | None = None
    summary: str = Field("", max_length=4000)


class ProjectOut(Schema):
    id: int
    title: str
    lead_institution: str
    lead_province_id: str
    partner_institution: str
    partner_province_id: str
    theme: str
    start: dt.date
    status: str


class EventIn(Schema):
    title: str = Field(max_length=200)
    kind: str = Field(description="forum|seminar|workshop")
    date: dt.date
    host_province: str
    location: str = Field(max_length=64)
    description: str = Field("", max_length=4000)
    project_id: Id | None = None


class EventOut(Schema):
    id: int
    title: str
    kind: str
    date: dt.date
    host_province_id: str
    project_id: int | None


class OutputIn(Schema):
    title: str = Field(max_length=200)
    kind: str = Field(description="paper|report|course|resource|policy")
    year: Year
    url: str = Field("", max_length=300)
    resource_id: Id | None = None


class OutputOut(Schema):
    id: int
    project_id: int
    title: str
    kind: str
    year: int
    url: str
    resource_id: int | None


@router.get("/alliance/projects", response=E(list[ProjectOut]), auth=None, summary="研究联盟联合项目（公开）")
def research_projects(request):  # type: ignore[no-untyped-def]
    return list(selectors.research_project_list())


@router.post(
    "/alliance/projects",
    response=E({201: ProjectOut}, LOGIN_ERRORS),
    summary="登记联合研究项目（联合办公室）",
)
def research_project_create(request, payload: ProjectIn):  # type: ignore[no-untyped-def]
    return Status(201, services.research_project_create(actor=request.user, **payload.dict()))


@router.get(
    "/alliance/projects/{project_id}/outputs",
    response=E(list[OutputOut]),
    auth=None,
    summary="项目成果（公开）",
)
def research_outputs(request, project_id: Id):  # type: ignore[no-untyped-def]
    return list(selectors.research_project_get(project_id=project_id).outputs.all())


@router.post(
    "/alliance/projects/{project_id}/outputs",
    response=E({201: OutputOut}, LOGIN_ERRORS),
    summary="登记项目成果（联合办公室、项目所在省级教育行政部门）",
)
def research_output_add(request, project_id: Id, payload: OutputIn):  # type: ignore[no-untyped-def]
    return Status(
        201, services.research_output_add(actor=request.user, project_id=project_id, **payload.dict())
    )


@router.get("/alliance/events", response=E(list[EventOut]), auth=None, summary="联盟论坛与活动（公开）")
def alliance_events(request):  # type: ignore[no-untyped-def]
    return list(selectors.alliance_event_list())


@router.post(
    "/alliance/events", response=E({201: EventOut}, LOGIN_ERRORS), summary="登记论坛或活动（联合办公室）"
)
def alliance_event_create(request, payload: EventIn):  # type: ignore[no-untyped-def]
    return Status(201, services.alliance_event_create(actor=request.user, **payload.dict()))
