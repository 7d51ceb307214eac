"""REST endpoints of the pairing programme, mounted under /api/v1/pairing/ (thin: services and selectors)."""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

import datetime as dt

from ninja import Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from educloud.algos.matching import Weights
from educloud.lib.api_errors import LOGIN_ERRORS, with_errors
from educloud.lib.bounds import Id
from educloud.lib.errors import PermissionDenied
from educloud.pairing import access, effect, selectors, services
from educloud.pairing.diagnosis import diagnose
from educloud.pairing.models import Pairing

router = Router(tags=["pairing"], auth=django_auth)


class PairOut(Schema):
    id: int
    stage: str
    status: str
    strong_code: str
    strong_name: str
    weak_code: str
    weak_name: str
    cross_border: bool
    distance_km: float | None
    travel_minutes: float | None
    score: float | None
    run_id: int | None
    explanation: dict


def _pair(p: Pairing) -> PairOut:
    return PairOut(
        id=p.pk,
        stage=p.stage,
        status=p.status,
        strong_code=p.strong.code,
        strong_name=p.strong.name,
        weak_code=p.weak.code,
        weak_name=p.weak.name,
        cross_border=p.cross_border,
        distance_km=p.distance_km,
        travel_minutes=p.travel_minutes,
        score=p.score,
        run_id=p.run_id,
        explanation=p.explanation,
    )


class SchoolDiagOut(Schema):
    code: str
    name: str
    county: str
    passes: bool
    index: float
    role: str
    reasons: list[str]


class DiagnosisOut(Schema):
    year: int
    stage: str
    dimensions: list[str]
    schools: list[SchoolDiagOut]


@router.get("/diagnosis", response=with_errors(DiagnosisOut, LOGIN_ERRORS), summary="各校强弱诊断（含理由）")
def diagnosis(request, stage: str = "primary", year: int | None = Query(None, ge=1990, le=2100)):  # type: ignore[no-untyped-def]
    services.check_stage(stage)
    scope = access.bureau_scope(request.user)
    if scope.is_empty:
        raise PermissionDenied("学校强弱诊断仅对教育行政部门开放")
    d = diagnose(actor=request.user, scope=scope, year=year, stage=stage)
    return DiagnosisOut(
        year=d.year,
        stage=d.stage,
        dimensions=[label for _, label in d.dimensions],
        schools=[s.as_dict() for s in d.schools],
    )


class MatchIn(Schema):
    stage: str = Field("primary", description="primary / junior")
    year: int | None = Field(None, ge=1990, le=2100)
    capacity: int = Field(3, description="每所强校最多结对的薄弱学校数 (1–10)")
    weak_mode: str = Field("exactly", description="exactly：每所薄弱学校恰好一所强校；at_most：至多一所")
    must: list[tuple[str, str]] = Field(
        [], max_length=200, description="必须结对的（强校代码, 薄弱学校代码）"
    )
    never: list[tuple[str, str]] = Field(
        [], max_length=2000, description="禁止结对的（强校代码, 薄弱学校代码）"
    )
    max_travel_minutes: float | None = None
    max_weak: int = 60
    w_complementarity: float = Field(1.0, ge=0, le=100)
    w_travel_hour: float = Field(0.2, ge=0, le=100)
    w_cross_border: float = Field(0.15, ge=0, le=100)


class MatchRunOut(Schema):
    id: int
    stage: str
    year: int
    objective: float
    greedy_objective: float | None
    n_strong: int
    n_weak: int
    pairs: list[PairOut]


@router.post(
    "/runs", response=with_errors({201: MatchRunOut}, LOGIN_ERRORS), summary="运行结对匹配（精确求解）"
)
def run_create(request, body: MatchIn):  # type: ignore[no-untyped-def]
    run = services.match_run(
        actor=request.user,
        stage=body.stage,
        year=body.year,
        capacity=body.capacity,
        weak_mode=body.weak_mode,
        must=body.must,
        never=body.never,
        max_travel_minutes=body.max_travel_minutes,
        max_weak=body.max_weak,
        weights=Weights(body.w_complementarity, body.w_travel_hour, body.w_cross_border),
    )
    pairs = [_pair(p) for p in run.pairings.select_related("strong", "weak")]
    return Status(
        201,
        MatchRunOut(
            id=run.pk,
            stage=run.stage,
            year=run.year,
            objective=run.objective,
            greedy_objective=run.greedy_objective,
            n_strong=run.n_strong,
            n_weak=run.n_weak,
            pairs=pairs,
        ),
    )


@router.get("/pairings", response=with_errors(list[PairOut], LOGIN_ERRORS), summary="权限范围内的结对")
def pairings(request, status: str | None = None, stage: str | None = None):  # type: ignore[no-untyped-def]
    return [_pair(p) for p in selectors.pairing_list(actor=request.user, status=status, stage=stage)[:1000]]


class ProposeIn(Schema):
    strong_code: str = Field(max_length=16)
    weak_code: str = Field(max_length=16)
    stage: str = "primary"


@router.post("/pairings", response=with_errors({201: PairOut}, LOGIN_ERRORS), summary="手工调整：提出一对")
def pairing_propose(request, body: ProposeIn):  # type: ignore[no-untyped-def]
    p = services.pairing_propose(
        actor=request.user, strong_code=body.strong_code, weak_code=body.weak_code, stage=body.stage
    )
    return Status(201, _pair(p))


class ConfirmIn(Schema):
    agreement: str = Field("", max_length=5000)
    started_on: dt.date | None = None


@router.post(
    "/pairings/{pairing_id}/confirm", response=with_errors(PairOut, LOGIN_ERRORS), summary="确认结对"
)
def pairing_confirm(request, pairing_id: Id, body: ConfirmIn):  # type: ignore[no-untyped-def]
    p = services.pairing_confirm(
        actor=request.user, pairing_id=pairing_id, agreement=body.agreement, started_on=body.started_on
    )
    return _pair(p)


class PairProgressOut(Schema):
    dispatches: int
    dispatches_done: int
    activities: int
    activities_done: int
    goals: int
    goals_achieved: int
    courses: int
    course_uses: int
    overdue: list[str]


@router.get(
    "/pairings/{pairing_id}/progress",
    response=with_errors(PairProgressOut, LOGIN_ERRORS),
    summary="进展与逾期事项",
)
def pairing_progress(request, pairing_id: Id):  # type: ignore[no-untyped-def]
    p = selectors.pairing_get(actor=request.user, pairing_id=pairing_id)
    return vars(selectors.progress(p))


class DispatchIn(Schema):
    teacher_name: str = Field(max_length=64)
    teacher_username: str | None = Field(None, max_length=150)
    start_on: dt.date
    end_on: dt.date
    subjects: list[str] = Field(max_length=10)
    direction: str = "to_weak"
    status: str = "planned"


class DispatchOut(Schema):
    id: int
    pairing_id: int
    teacher_name: str
    from_school: str
    to_school: str
    start_on: dt.date
    end_on: dt.date
    subjects: list[str]
    status: str


@router.post(
    "/pairings/{pairing_id}/dispatches",
    response=with_errors({201: DispatchOut}, LOGIN_ERRORS),
    summary="登记支教",
)
def dispatch_create(request, pairing_id: Id, body: DispatchIn):  # type: ignore[no-untyped-def]
    d = services.dispatch_log(actor=request.user, pairing_id=pairing_id, **body.dict())
    return Status(
        201,
        DispatchOut(
            id=d.pk,
            pairing_id=d.pairing_id,
            teacher_name=d.teacher_name,
            from_school=d.from_school.code,
            to_school=d.to_school.code,
            start_on=d.start_on,
            end_on=d.end_on,
            subjects=d.subjects,
            status=d.status,
        ),
    )


class ActivityIn(Schema):
    kind: str
    title: str = Field(max_length=120)
    on: dt.date
    participants: int = 0
    status: str = "planned"


class ActivityOut(Schema):
    id: int
    kind: str
    title: str
    on: dt.date
    status: str


@router.post(
    "/pairings/{pairing_id}/activities",
    response=with_errors({201: ActivityOut}, LOGIN_ERRORS),
    summary="登记联合教研/交流/活动",
)
def activity_create(request, pairing_id: Id, body: ActivityIn):  # type: ignore[no-untyped-def]
    a = services.activity_log(actor=request.user, pairing_id=pairing_id, **body.dict())
    return Status(201, ActivityOut(id=a.pk, kind=a.kind, title=a.title, on=a.on, status=a.status))


class GoalIn(Schema):
    text: str = Field(max_length=200)
    target: str = Field("", max_length=100)
    due_on: dt.date


class GoalOut(Schema):
    id: int
    text: str
    target: str
    due_on: dt.date
    achieved: bool


@router.post(
    "/pairings/{pairing_id}/goals", response=with_errors({201: GoalOut}, LOGIN_ERRORS), summary="添加协议目标"
)
def goal_create(request, pairing_id: Id, body: GoalIn):  # type: ignore[no-untyped-def]
    g = services.goal_add(actor=request.user, pairing_id=pairing_id, **body.dict())
    return Status(201, GoalOut(id=g.pk, text=g.text, target=g.target, due_on=g.due_on, achieved=g.achieved))


class CourseIn(Schema):
    resource_id: Id


class CourseOut(Schema):
    id: int
    resource_id: int
    title: str
    uses_by_weak_school: int


@router.post(
    "/pairings/{pairing_id}/courses",
    response=with_errors({201: CourseOut}, LOGIN_ERRORS),
    summary="共享课程（关联资源库资源）",
)
def course_create(request, pairing_id: Id, body: CourseIn):  # type: ignore[no-untyped-def]
    c = services.course_share(actor=request.user, pairing_id=pairing_id, resource_id=body.resource_id)
    uses = dict((course.pk, n) for course, n in selectors.course_uses(c.pairing))
    return Status(
        201,
        CourseOut(id=c.pk, resource_id=c.resource_id, title=c.resource.title, uses_by_weak_school=uses[c.pk]),
    )


class EffectOut(Schema):
    metric: str
    control: str
    years: list[int]
    att: float
    att_se: float
    att_ci: tuple[float, float]
    mde: float
    event_times: list[int]
    event_att: list[float]
    event_se: list[float]
    pretrend_p: float | None
    pretrend_flagged: bool
    n_units: int
    n_never: int
    synthetic: bool


@router.get("/effect", response=with_errors(EffectOut, LOGIN_ERRORS), summary="结对效果（交错双重差分）")
def effect_get(request, metric: str = Query("math_score", max_length=32), control: str = "notyet"):  # type: ignore[no-untyped-def]
    rep = effect.effect_report(actor=request.user, metric=metric, control=control)
    r = rep.result
    return EffectOut(
        metric=rep.metric,
        control=rep.control,
        years=rep.years,
        att=r.att,
        att_se=r.att_se,
        att_ci=r.att_ci,
        mde=r.mde,
        event_times=r.event_times.tolist(),
        event_att=r.event_att.tolist(),
        event_se=r.event_se.tolist(),
        pretrend_p=r.pretrend_p,
        pretrend_flagged=r.pretrend_flagged,
        n_units=r.n_units,
        n_never=r.n_never,
        synthetic=rep.synthetic,
    )
