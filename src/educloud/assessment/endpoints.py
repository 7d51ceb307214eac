"""REST endpoints of the assessment app, mounted under /api/v1/assessment/.

A web-layer module: thin, scoped by the caller's roles through selectors and services. A class's
results are personal data and each read is logged (``selectors.class_report``); a student reads only
their own session. Every operation documents its error answers (``lib.api_errors``).
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from datetime import datetime

from ninja import Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from educloud.assessment import selectors, services
from educloud.lib.api_errors import LOGIN_ERRORS, with_errors
from educloud.lib.bounds import Grade, Id

router = Router(tags=["assessment"], auth=django_auth)


class CalibrationOut(Schema):
    id: int
    subject: str
    stage: str
    model: str
    year: int | None
    created: datetime
    n_items: int
    n_persons: int
    n_responses: int
    converged: bool
    previous_id: int | None
    is_synthetic: bool


class CalibratedItemOut(Schema):
    item_code: str
    a: float
    b: float
    c: float
    n_responses: int
    fit_p: float | None
    misfit: bool
    drift: float | None
    drifted: bool


class CalibrationDetailOut(CalibrationOut):
    items: list[CalibratedItemOut]


class CalibrateIn(Schema):
    subject: str = "数学"
    stage: str = "junior"
    model: str = "2PL"
    year: int | None = Field(None, ge=1900, le=2100)


class TestIn(Schema):
    title: str
    audience_level: str = Field(description="circle、province、city、county 或 school")
    audience_code: str = ""
    subject: str = "数学"
    stage: str = "junior"
    calibration_id: Id | None = None
    content: dict[str, float] = Field(default_factory=dict, description="知识点编码 → 权重")
    max_items: int = Field(20, ge=1, le=100)
    se_stop: float = Field(0.3, ge=0.05, le=2.0)
    grade: Grade | None = None
    class_label: str = ""
    opens: datetime | None = None
    closes: datetime | None = None


class TestOut(Schema):
    id: int
    title: str
    calibration_id: int
    audience_level: str
    audience_code: str
    grade: int | None
    class_label: str
    max_items: int
    se_stop: float
    opens: datetime
    closes: datetime
    content: dict[str, float]
    is_synthetic: bool


class ItemShownOut(Schema):
    id: int
    type: str
    stem: str
    options: list[str]


class SessionOut(Schema):
    test_id: int
    finished: bool
    answered: int
    last_correct: bool | None
    item: ItemShownOut | None = Field(None, description="当前题目（不含答案）；完成后为空")


class TestAnswerIn(Schema):
    item_id: Id
    answer: str = Field(max_length=255)


class PointResultOut(Schema):
    code: str
    name: str
    n_items: int
    n_correct: int
    expected: float


class ResultOut(Schema):
    test_id: int
    theta: float
    se: float
    scaled: int
    scaled_low: int
    scaled_high: int
    n_items: int
    n_correct: int
    points: list[PointResultOut]


class GroupOut(Schema):
    label: str
    county: str
    n: int
    suppressed: bool
    mean: float | None
    se: float | None
    low: float | None
    high: float | None


class RegionReportOut(Schema):
    test_id: int
    level: str
    suppressed: int
    groups: list[GroupOut]


class EstimateOut(Schema):
    n: int
    suppressed: bool
    estimate: float | None
    se: float | None
    low: float | None
    high: float | None


class OutcomeRowOut(Schema):
    label: str
    county: str
    growth: EstimateOut
    value_added: EstimateOut
    value_added_shrunk: float | None


class TestOutcomeOut(Schema):
    before_id: int
    after_id: int
    level: str
    link_a: float
    link_b: float
    n_anchors: int
    n_students: int
    intercept: float
    slope: float
    r2: float
    suppressed: int
    groups: list[OutcomeRowOut] = Field(description="θ 单位（量表分 = 100·θ）")


def _calibration(c) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": c.pk,
        "subject": c.subject,
        "stage": c.stage,
        "model": c.model,
        "year": c.year,
        "created": c.created,
        "n_items": c.n_items,
        "n_persons": c.n_persons,
        "n_responses": c.n_responses,
        "converged": c.converged,
        "previous_id": c.previous_id,
        "is_synthetic": c.is_synthetic,
    }


def _test(t) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": t.pk,
        "title": t.title,
        "calibration_id": t.calibration_id,
        "audience_level": t.audience_level,
        "audience_code": t.audience_code,
        "grade": t.grade,
        "class_label": t.class_label,
        "max_items": t.max_items,
        "se_stop": t.se_stop,
        "opens": t.opens,
        "closes": t.closes,
        "content": t.content,
        "is_synthetic": t.is_synthetic,
    }


def _session(state: services.SessionState) -> dict:
    item = state.current.item if state.current else None
    return {
        "test_id": state.session.test_id,
        "finished": state.session.finished is not None,
        "answered": state.answered,
        "last_correct": state.last_correct,
        "item": None
        if item is None
        else {"id": item.pk, "type": item.type, "stem": item.stem, "options": list(item.options or [])},
    }


def _estimate(g) -> dict:  # type: ignore[no-untyped-def]
    return {
        "n": g.n,
        "suppressed": g.suppressed,
        "estimate": g.estimate,
        "se": g.se,
        "low": g.low,
        "high": g.high,
    }


@router.get("/calibrations", response=with_errors(list[CalibrationOut], LOGIN_ERRORS))
def calibration_list(request):  # type: ignore[no-untyped-def]
    """Stored calibrations, newest first (teachers, school admins, bureaus)."""
    return [_calibration(c) for c in selectors.calibration_list(actor=request.user)[:100]]


@router.get("/calibrations/{calibration_id}", response=with_errors(CalibrationDetailOut, LOGIN_ERRORS))
def calibration_detail(request, calibration_id: Id):  # type: ignore[no-untyped-def]
    c, items = selectors.calibration_get(actor=request.user, calibration_id=calibration_id)
    return {
        **_calibration(c),
        "items": [
            {
                "item_code": i.item.code,
                "a": i.a,
                "b": i.b,
                "c": i.c,
                "n_responses": i.n_responses,
                "fit_p": i.fit_p,
                "misfit": i.misfit,
                "drift": i.drift,
                "drifted": i.drifted,
            }
            for i in items
        ],
    }


@router.post("/calibrations", response=with_errors({201: CalibrationOut}, LOGIN_ERRORS))
def calibration_create(request, payload: CalibrateIn):  # type: ignore[no-untyped-def]
    """Calibrate a bank on the stored responses (bureaus). 400 names items without a key."""
    c = services.calibration_run(
        actor=request.user,
        subject=payload.subject,
        stage=payload.stage,
        model=payload.model,
        year=payload.year,
    )
    return Status(201, _calibration(c))


@router.get("/tests", response=with_errors(list[TestOut], LOGIN_ERRORS))
def test_list(request):  # type: ignore[no-untyped-def]
    """Tests addressed to the caller: a student's open tests, or the tests in a staff member's scope."""
    if selectors.is_student(request.user):
        return [_test(t.test) for t in selectors.tests_for_student(actor=request.user)]
    return [_test(t) for t in selectors.tests_for_staff(actor=request.user)]


@router.post("/tests", response=with_errors({201: TestOut}, LOGIN_ERRORS))
def test_create(request, payload: TestIn):  # type: ignore[no-untyped-def]
    """Create an adaptive test. 400: no eligible item, items without a key (named); 403: audience
    outside the caller's scope."""
    test = services.adaptive_test_create(actor=request.user, spec=services.TestSpec(**payload.dict()))
    return Status(201, _test(test))


@router.post("/tests/{test_id}/session", response=with_errors(SessionOut, LOGIN_ERRORS))
def session_start(request, test_id: Id):  # type: ignore[no-untyped-def]
    """Start or resume the caller's (a student's) session: the item on screen, without its answer."""
    return _session(services.session_start(actor=request.user, test_id=test_id))


@router.post("/tests/{test_id}/answers", response=with_errors(SessionOut, LOGIN_ERRORS))
def session_answer(request, test_id: Id, payload: TestAnswerIn):  # type: ignore[no-untyped-def]
    """Answer the item on screen. Repeating an answered item changes nothing; an item not given in
    this session answers 400 (field ``item``)."""
    return _session(
        services.session_answer(
            actor=request.user, test_id=test_id, item_id=payload.item_id, answer=payload.answer
        )
    )


@router.get("/tests/{test_id}/result", response=with_errors(ResultOut, LOGIN_ERRORS))
def session_result(request, test_id: Id):  # type: ignore[no-untyped-def]
    """The caller's own result of a finished test."""
    r = selectors.session_result(actor=request.user, test_id=test_id)
    return {
        "test_id": test_id,
        "theta": r.theta,
        "se": r.se,
        "scaled": r.scaled,
        "scaled_low": r.scaled_low,
        "scaled_high": r.scaled_high,
        "n_items": r.n_items,
        "n_correct": r.n_correct,
        "points": [p.__dict__ for p in r.points],
    }


@router.get("/tests/{test_id}/report", response=with_errors(RegionReportOut, LOGIN_ERRORS))
def region_report(request, test_id: Id, level: str = "school"):  # type: ignore[no-untyped-def]
    """Mean scaled score per school or county in the caller's scope; groups under 5 suppressed."""
    rep = selectors.region_report(actor=request.user, test_id=test_id, level=level)
    return {
        "test_id": test_id,
        "level": level,
        "suppressed": rep.n_suppressed,
        "groups": [
            {
                "label": r.label,
                "county": r.county,
                "n": r.n,
                "suppressed": r.suppressed,
                "mean": r.mean,
                "se": r.se,
                "low": r.low,
                "high": r.high,
            }
            for r in rep.rows
        ],
    }


class OutcomeQuery(Schema):
    before: Id
    after: Id
    level: str = "school"


@router.get("/outcomes", response=with_errors(TestOutcomeOut, LOGIN_ERRORS))
def outcomes(request, q: Query[OutcomeQuery]):  # type: ignore[no-untyped-def]
    """Growth and value-added between two tests per class, school or county in the caller's scope."""
    rep = selectors.outcome_report(actor=request.user, before_id=q.before, after_id=q.after, level=q.level)
    return {
        "before_id": q.before,
        "after_id": q.after,
        "level": q.level,
        "link_a": rep.link_a,
        "link_b": rep.link_b,
        "n_anchors": rep.n_anchors,
        "n_students": rep.n_students,
        "intercept": rep.intercept,
        "slope": rep.slope,
        "r2": rep.r2,
        "suppressed": rep.n_suppressed,
        "groups": [
            {
                "label": r.label,
                "county": r.county,
                "growth": _estimate(r.growth),
                "value_added": _estimate(r.value_added),
                "value_added_shrunk": r.value_added.shrunk,
            }
            for r in rep.rows
        ],
    }
