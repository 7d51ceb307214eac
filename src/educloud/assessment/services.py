"""Writes of the assessment app: item calibration, adaptive tests, a student's test session.

* ``calibration_run`` — fit an IRT model (``algos.irt``) to the stored first responses of a bank's
  items (read through ``learning.api.response_history``), store the parameters, fit flags, and the
  drift of each item against the bank's previous calibration after linking the two scales
  (mean–sigma on the common items). Refuses a bank with an item without a key, naming the items.
* ``adaptive_test_create`` — a teacher or school admin for their school, a bureau for its region,
  the joint office for both provinces (联考). Refuses items without a key and a test with no
  eligible item.
* ``session_start`` / ``session_answer`` — a student takes the test one item at a time. The state is
  the session's ``SessionItem`` rows; each answer is graded and recorded by
  ``learning.api.response_record`` (so mastery and the xAPI record follow), and the next item is
  chosen by ``algos.cat.AdaptiveTest``, all in one transaction on the locked session row: resuming
  shows the same item, a repeated submission of an answered item changes nothing, an answer to an
  item not given in this session is refused (400).

``actor=None`` means the platform itself (seed, CLI). Read next: ``selectors``, ADR 0014.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from educloud.accounts.api import Role, StudentProfile, User, edit_scope, roles_of, student_data_scope
from educloud.assessment.models import AdaptiveTest, CalibratedItem, Calibration, SessionItem, TestSession
from educloud.learning import api as learning_api
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.lib.scope import Scope
from educloud.schools.api import School, school_in_scope, scope_filter

CALIBRATORS = {Role.JOINT_OFFICE, Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU}
TEST_CREATORS = CALIBRATORS | {Role.SCHOOL_ADMIN, Role.TEACHER}
MIN_RESPONSES = 20  # an item answered by fewer students is not calibrated (its parameters would be noise)
FIT_ALPHA = 0.01  # item fit p-value below this flags the item as misfitting
DRIFT_THRESHOLD = 0.5  # |Δb| in logits after linking; beyond it the item is flagged as drifted
SCALE_MEAN, SCALE_SD = 500.0, 100.0  # reported score = 500 + 100·θ


def scaled_score(theta: float) -> int:
    return round(SCALE_MEAN + SCALE_SD * theta)


def _roles(actor: User | None) -> set[str]:
    return {a.role for a in roles_of(actor)}


def _authorize(actor: User | None, allowed: set[Role], message: str) -> None:
    if actor is None:
        return
    if not _roles(actor) & {r.value for r in allowed}:
        raise PermissionDenied(message)


# ----------------------------------------------------------------------------------- item bank


def bank_items(*, subject: str, stage: str) -> list[learning_api.Item]:
    """The items of one knowledge graph (any of their points in it), by code."""
    return list(
        learning_api.Item.objects.filter(knowledge_points__subject=subject, knowledge_points__stage=stage)
        .distinct()
        .order_by("code")
    )


def _refuse_missing_keys(items: Sequence[learning_api.Item], what: str) -> None:
    missing = [it.code for it in items if not (it.answer or "").strip()]
    if missing:
        shown = "、".join(missing[:20]) + ("等" if len(missing) > 20 else "")
        raise InvalidInput(
            f"{what}：{len(missing)} 道题目没有标准答案（{shown}），请先在题库中补全答案", field="items"
        )


def calibration_params(calibration: Calibration, items: Sequence[CalibratedItem] | None = None):  # type: ignore[no-untyped-def]
    """``algos.irt.ItemParams`` of a calibration's items (in the given order, default by item id)."""
    from educloud.algos.irt import ItemParams

    rows = list(items) if items is not None else list(calibration.items.order_by("item_id"))
    return ItemParams(
        a=np.array([r.a for r in rows], dtype=float),
        d=np.array([r.d for r in rows], dtype=float),
        c=np.array([r.c for r in rows], dtype=float),
        model=calibration.model,
    )


@dataclass(frozen=True)
class ResponseMatrix:
    student_ids: list[int]
    item_ids: list[int]
    values: np.ndarray  # (n_students, n_items) of 0/1, NaN = not answered
    n_responses: int


def response_matrix(*, item_ids: Sequence[int], year: int | None) -> ResponseMatrix:
    """Each student's *first* response to each item (later attempts follow practice and feedback)."""
    rows = learning_api.response_history(item_ids=list(item_ids), year=year)
    first: dict[tuple[int, int], bool] = {}
    for student_id, item_id, correct, _at in rows:
        first.setdefault((student_id, item_id), correct)
    students = sorted({s for s, _ in first})
    s_index = {s: i for i, s in enumerate(students)}
    i_index = {it: j for j, it in enumerate(item_ids)}
    values = np.full((len(students), len(item_ids)), np.nan)
    for (s, it), correct in first.items():
        values[s_index[s], i_index[it]] = 1.0 if correct else 0.0
    return ResponseMatrix(
        student_ids=students, item_ids=list(item_ids), values=values, n_responses=len(first)
    )


def _link_and_drift(
    previous: Calibration,
    item_ids: list[int],
    b_new: np.ndarray,
    params_new,
    threshold: float,  # type: ignore[no-untyped-def]
) -> tuple[float, float, dict[int, float]] | None:
    """Link the new scale to ``previous`` on the common items; |Δb| per common item on the old scale."""
    from educloud.algos.irt import link_mean_sigma

    old_rows = {r.item_id: r for r in previous.items.all()}
    common = [j for j, it in enumerate(item_ids) if it in old_rows]
    if len(common) < 2:
        return None
    old = calibration_params(previous, [old_rows[item_ids[j]] for j in common])
    new = params_new.subset(common)
    try:
        a_link, b_link = link_mean_sigma(old, new)
    except ValueError:  # anchors without spread in difficulty: no linking, no drift figures
        return None
    b_old = -old.d / old.a
    b_linked = a_link * b_new[common] + b_link
    return (
        float(a_link),
        float(b_link),
        {item_ids[j]: float(abs(bl - bo)) for j, bl, bo in zip(common, b_linked, b_old, strict=True)},
    )


def calibration_run(
    *,
    actor: User | None,
    subject: str,
    stage: str,
    model: str = "2PL",
    year: int | None = None,
    min_responses: int = MIN_RESPONSES,
    drift_threshold: float = DRIFT_THRESHOLD,
    synthetic: bool = False,
) -> Calibration:
    """Calibrate a bank (the items of graph ``subject``/``stage``) on stored responses; store the run."""
    from educloud.algos.irt import IRTModel, ItemParams

    _authorize(actor, CALIBRATORS, "只有教研管理部门可以标定题库")
    if model not in Calibration.Model.values:
        raise InvalidInput(f"模型“{model}”无效，可选：{'、'.join(Calibration.Model.values)}", field="model")
    items = bank_items(subject=subject, stage=stage)
    if not items:
        raise InvalidInput(f"题库“{stage}{subject}”中没有题目", field="bank")
    _refuse_missing_keys(items, "不能标定")
    matrix = response_matrix(item_ids=[it.pk for it in items], year=year)
    counts = np.sum(~np.isnan(matrix.values), axis=0)
    p_correct = np.nanmean(np.where(counts > 0, matrix.values, 0.0), axis=0) if matrix.values.size else counts
    keep = [j for j in range(len(items)) if counts[j] >= min_responses and 0.0 < float(p_correct[j]) < 1.0]
    skipped = len(items) - len(keep)
    if len(keep) < 2:
        raise InvalidInput(
            f"作答数据不足：至少需要 2 道题各有 {min_responses} 名以上学生作答（且不全对、不全错），"
            f"现有 {len(keep)} 道",
            field="year" if year else "bank",
        )
    values = matrix.values[:, keep]
    persons = np.sum(~np.isnan(values), axis=1) >= 1
    values = values[persons]
    fitted = IRTModel(model=model).fit(values)
    a = np.broadcast_to(np.asarray(fitted.a_, dtype=float), (len(keep),)).copy()
    d = np.asarray(fitted.d_, dtype=float).reshape(len(keep))
    c = np.asarray(fitted.c_, dtype=float).reshape(len(keep))
    fit_stat, fit_p = _item_fit(fitted, len(keep))
    item_ids = [items[j].pk for j in keep]
    params = ItemParams(a=a, d=d, c=c, model=model)
    with transaction.atomic():
        previous = (
            Calibration.objects.filter(subject=subject, stage=stage, model=model, converged=True)
            .order_by("-created", "-pk")
            .first()
        )
        link = _link_and_drift(previous, item_ids, -d / a, params, drift_threshold) if previous else None
        note = f"{skipped} 道题作答不足 {min_responses} 人或全对/全错，未标定" if skipped else ""
        calibration = Calibration.objects.create(
            subject=subject,
            stage=stage,
            model=model,
            year=year,
            n_responses=int(np.sum(~np.isnan(values))),
            n_persons=int(values.shape[0]),
            n_items=len(keep),
            converged=bool(fitted.converged_),
            loglik=float(fitted.loglik_) if fitted.loglik_ is not None else None,
            previous=previous if link else None,
            link_a=link[0] if link else None,
            link_b=link[1] if link else None,
            note=note,
            is_synthetic=synthetic,
        )
        drift = link[2] if link else {}
        CalibratedItem.objects.bulk_create(
            [
                CalibratedItem(
                    calibration=calibration,
                    item_id=item_id,
                    a=float(a[k]),
                    d=float(d[k]),
                    c=float(c[k]),
                    n_responses=int(counts[keep[k]]),
                    p_correct=float(p_correct[keep[k]]),
                    fit_statistic=_finite(None if fit_stat is None else fit_stat[k]),
                    fit_p=_finite(None if fit_p is None else fit_p[k]),
                    misfit=bool(fit_p is not None and np.isfinite(fit_p[k]) and fit_p[k] < FIT_ALPHA),
                    drift=drift.get(item_id),
                    drifted=bool(drift.get(item_id, 0.0) > drift_threshold),
                )
                for k, item_id in enumerate(item_ids)
            ]
        )
    return calibration


def _item_fit(fitted, n_items: int) -> tuple[np.ndarray | None, np.ndarray | None]:  # type: ignore[no-untyped-def]
    """(statistic, p-value) per item from ``IRTModel.item_fit()``; (None, None) when not computable."""
    try:
        fit = fitted.item_fit()
    except (ValueError, FloatingPointError):
        return None, None
    stat = np.asarray(fit.statistic, dtype=float).reshape(n_items)
    p = np.asarray(fit.p_value, dtype=float).reshape(n_items)
    return np.where(np.isfinite(stat), stat, np.nan), np.where(np.isfinite(p), p, np.nan)


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def calibration_latest(*, subject: str, stage: str) -> Calibration | None:
    return (
        Calibration.objects.filter(subject=subject, stage=stage, converged=True)
        .order_by("-created", "-pk")
        .first()
    )


# ------------------------------------------------------------------------------ adaptive tests


def audience_scope(level: str, code: str) -> Scope:
    if level == AdaptiveTest.Level.CIRCLE:
        return Scope.all()
    key = {
        "province": "province_codes",
        "city": "city_codes",
        "county": "county_codes",
        "school": "school_codes",
    }
    if level not in key:
        raise InvalidInput(f"范围层级“{level}”无效", field="audience_level")
    return Scope(**{key[level]: frozenset({code})})  # type: ignore[arg-type]


def _creator_covers(actor: User | None, level: str, code: str) -> bool:
    """Whether the actor may address this audience: all of it lies in their scope."""
    if actor is None:
        return True
    scope = edit_scope(actor).union(student_data_scope(actor))
    if scope.everything:
        return True
    if level == AdaptiveTest.Level.CIRCLE:
        return False
    if level == "province":
        return code in scope.province_codes
    if level == "school":
        school = School.objects.select_related("county").filter(code=code).first()
        return school is not None and school_in_scope(scope, school)
    # A city or county: the actor's scope must hold the region itself or one containing it.
    school = School.objects.select_related("county").filter(scope_filter(audience_scope(level, code))).first()
    if school is None:
        return False
    county = school.county
    if level == "city":
        return code in scope.city_codes or county.province_id in scope.province_codes
    return (
        code in scope.county_codes
        or county.city_id in scope.city_codes
        or county.province_id in scope.province_codes
    )


def eligible_items(test_or_calibration: Calibration, content: dict[str, float]) -> list[CalibratedItem]:
    """The calibration's items usable in a test: not misfitting, not drifted, in the content balance."""
    rows = test_or_calibration.items.filter(misfit=False, drifted=False).select_related("item")
    if content:
        rows = rows.filter(item__knowledge_points__code__in=list(content)).distinct()
    return list(rows.order_by("item_id"))


@dataclass(frozen=True)
class TestSpec:
    title: str
    audience_level: str
    audience_code: str = ""
    subject: str = "数学"
    stage: str = "junior"
    calibration_id: int | None = None
    content: dict[str, float] | None = None
    max_items: int = 20
    se_stop: float = 0.3
    grade: int | None = None
    class_label: str = ""
    opens: datetime | None = None
    closes: datetime | None = None


@transaction.atomic
def adaptive_test_create(*, actor: User | None, spec: TestSpec, synthetic: bool = False) -> AdaptiveTest:
    _authorize(actor, TEST_CREATORS, "只有教师、学校管理员和教育行政部门可以创建测评")
    title = spec.title.strip()
    if not title or len(title) > 64:
        raise InvalidInput("测评名称不能为空，且不超过 64 个字", field="title")
    level, code = spec.audience_level, spec.audience_code.strip()
    if level not in AdaptiveTest.Level.values:
        raise InvalidInput(
            f"范围层级“{level}”无效，可选：{'、'.join(AdaptiveTest.Level.values)}", field="audience_level"
        )
    if level != AdaptiveTest.Level.CIRCLE and not code:
        raise InvalidInput("请填写范围代码（区划代码或学校代码）", field="audience_code")
    if level == AdaptiveTest.Level.CIRCLE:
        code = ""
    if level == "school" and not School.objects.filter(code=code).exists():
        raise NotFound(f"没有代码为 {code} 的学校", field="audience_code")
    if (
        level in ("province", "city", "county")
        and not School.objects.filter(scope_filter(audience_scope(level, code))).exists()
    ):
        raise NotFound(f"区划 {code} 不存在或没有学校", field="audience_code")
    if not _creator_covers(actor, level, code):
        raise PermissionDenied("测评范围超出了您的权限范围（川渝联考只能由联合办公室创建）")
    if not 1 <= spec.max_items <= 100:
        raise InvalidInput("最多题数应在 1–100 之间", field="max_items")
    if not 0.05 <= spec.se_stop <= 2.0:
        raise InvalidInput("终止标准误应在 0.05–2 之间", field="se_stop")
    opens = spec.opens or timezone.now()
    closes = spec.closes or (opens + timezone.timedelta(days=14))
    if closes <= opens:
        raise InvalidInput("结束时间必须晚于开始时间", field="closes")
    if spec.calibration_id is not None:
        calibration = Calibration.objects.filter(pk=spec.calibration_id).first()
        if calibration is None:
            raise NotFound(f"没有编号为 {spec.calibration_id} 的标定", field="calibration")
        if not calibration.converged:
            raise InvalidInput("该次标定未收敛，不能用于测评", field="calibration")
    else:
        calibration = calibration_latest(subject=spec.subject, stage=spec.stage)
        if calibration is None:
            raise InvalidInput(
                f"题库“{spec.stage}{spec.subject}”还没有收敛的标定：请先运行 educloud irt calibrate",
                field="bank",
            )
    content = {str(k): float(v) for k, v in (spec.content or {}).items()}
    bad_weight = [k for k, v in content.items() if not (v > 0 and np.isfinite(v))]
    if bad_weight:
        raise InvalidInput(f"知识点权重必须为正数：{'、'.join(bad_weight)}", field="content")
    known = set(
        learning_api.KnowledgePoint.objects.filter(code__in=list(content)).values_list("code", flat=True)
    )
    unknown = sorted(set(content) - known)
    if unknown:
        raise InvalidInput(f"知识点 {'、'.join(unknown)} 不存在", field="content")
    items = eligible_items(calibration, content)
    _refuse_missing_keys([r.item for r in items], "不能创建测评")
    if not items:
        raise InvalidInput(
            "没有可用的题目：所选知识点在该次标定中没有拟合良好、未漂移的题目", field="content"
        )
    if spec.grade is not None and not 1 <= spec.grade <= 12:
        raise InvalidInput("年级应为 1–12", field="grade")
    return AdaptiveTest.objects.create(
        title=title,
        calibration=calibration,
        content=content,
        max_items=spec.max_items,
        se_stop=spec.se_stop,
        audience_level=level,
        audience_code=code,
        grade=spec.grade,
        class_label=spec.class_label.strip(),
        opens=opens,
        closes=closes,
        created_by=actor,
        is_synthetic=synthetic,
    )


# ------------------------------------------------------------------------------------ sessions


def _profile(actor: User | None) -> StudentProfile:
    if actor is None or not actor.is_authenticated or Role.STUDENT.value not in _roles(actor):
        raise PermissionDenied("只有学生本人可以参加测评")
    profile = StudentProfile.objects.select_related("school__county").filter(user=actor).first()
    if profile is None:
        raise PermissionDenied("您的账户没有学生档案，不能参加测评")
    return profile


def student_may_take(test: AdaptiveTest, profile: StudentProfile) -> bool:
    return (
        school_in_scope(audience_scope(test.audience_level, test.audience_code), profile.school)
        and (test.grade is None or test.grade == profile.grade)
        and (not test.class_label or test.class_label == profile.class_label)
    )


def _test_for_student(actor: User | None, test_id: int) -> tuple[AdaptiveTest, StudentProfile]:
    profile = _profile(actor)
    test = AdaptiveTest.objects.select_related("calibration").filter(pk=test_id).first()
    if test is None or not student_may_take(test, profile):
        raise NotFound(f"没有编号为 {test_id} 的测评，或您不在其范围内", field="test")
    return test, profile


class Engine:
    """One test's bank as ``algos.cat.AdaptiveTest`` sees it: indices 0..n-1 ↔ item ids."""

    def __init__(self, test: AdaptiveTest, *, seed: int) -> None:
        from educloud.algos.cat import AdaptiveTest as CAT

        self.rows = eligible_items(test.calibration, test.content)
        self.item_ids = [r.item_id for r in self.rows]
        self.index = {it: j for j, it in enumerate(self.item_ids)}
        self.params = calibration_params(test.calibration, self.rows)
        content = None
        targets = None
        if test.content:
            codes = list(test.content)
            kp_of: dict[int, str] = {}
            through = learning_api.Item.knowledge_points.through
            for item_id, code in (
                through.objects.filter(item_id__in=self.item_ids, knowledgepoint__code__in=codes)
                .values_list("item_id", "knowledgepoint__code")
                .order_by("item_id", "knowledgepoint__code")
            ):
                kp_of.setdefault(item_id, code)  # an item on two balanced points counts for the first
            content = np.array([kp_of[it] for it in self.item_ids], dtype=object)
            targets = {code: float(w) for code, w in test.content.items() if code in set(kp_of.values())}
        self.cat = CAT(
            self.params,
            content,
            content_targets=targets,
            max_items=test.max_items,
            se_stop=test.se_stop,
            random_state=seed,
        )

    def next_item(self, administered: list[int], responses: list[int]) -> int | None:
        """The next item's id, or None to stop (a stopping rule met, or every eligible item given)."""
        from educloud.algos.cat import NoEligibleItemError

        try:
            j = self.cat.next_item([self.index[i] for i in administered], responses)
        except NoEligibleItemError:
            return None
        return None if j is None else self.item_ids[int(j)]

    def estimate(self, administered: list[int], responses: list[int]) -> tuple[float, float]:
        theta, se = self.cat.estimate([self.index[i] for i in administered], responses)
        return float(theta), float(se)


@dataclass(frozen=True)
class SessionState:
    session: TestSession
    current: SessionItem | None  # the item on screen; None when finished
    answered: int
    last_correct: bool | None = None


def _state(session: TestSession, last_correct: bool | None = None) -> SessionState:
    rows = list(session.items.select_related("item").order_by("position"))
    pending = next((r for r in rows if r.answered is None), None)
    return SessionState(
        session=session,
        current=pending,
        answered=sum(r.answered is not None for r in rows),
        last_correct=last_correct,
    )


def _check_window(test: AdaptiveTest) -> None:
    now = timezone.now()
    if now < test.opens:
        raise InvalidInput(
            f"测评尚未开始（{timezone.localtime(test.opens):%Y-%m-%d %H:%M} 开始）", field="test"
        )
    if now >= test.closes:
        raise InvalidInput(f"测评已于 {timezone.localtime(test.closes):%Y-%m-%d %H:%M} 结束", field="test")


def _advance(session: TestSession, engine: Engine) -> None:
    """Choose the next item (a pending row), or finish the session with the final estimate."""
    rows = list(session.items.filter(answered__isnull=False).order_by("position"))
    administered = [r.item_id for r in rows]
    responses = [int(bool(r.correct)) for r in rows]
    nxt = engine.next_item(administered, responses) if len(rows) < session.test.max_items else None
    if nxt is None:
        if rows:
            session.theta, session.se = engine.estimate(administered, responses)
        session.finished = timezone.now()
        session.save(update_fields=["theta", "se", "finished"])
        return
    SessionItem.objects.create(session=session, position=len(rows) + 1, item_id=nxt)
    if rows:
        session.theta, session.se = engine.estimate(administered, responses)
        session.save(update_fields=["theta", "se"])


def session_current(*, actor: User, test_id: int) -> tuple[AdaptiveTest, SessionState | None]:
    """The test and the student's session state (None before starting). Reads only: starting is a POST."""
    test, _ = _test_for_student(actor, test_id)
    session = TestSession.objects.select_related("test__calibration").filter(test=test, student=actor).first()
    return test, None if session is None else _state(session)


@transaction.atomic
def session_start(*, actor: User, test_id: int) -> SessionState:
    """Start the test, or resume it where it was left (the same item on screen)."""
    test, profile = _test_for_student(actor, test_id)
    session = TestSession.objects.filter(test=test, student=actor).first()
    if session is None:
        _check_window(test)
        session, _ = TestSession.objects.get_or_create(
            test=test,
            student=actor,
            defaults={"school": profile.school, "grade": profile.grade, "class_label": profile.class_label},
        )
    session = TestSession.objects.select_for_update().select_related("test__calibration").get(pk=session.pk)
    if session.finished is None and not session.items.filter(answered__isnull=True).exists():
        _check_window(test)
        _advance(session, Engine(test, seed=session.pk))
    return _state(session)


@transaction.atomic
def session_answer(*, actor: User, test_id: int, item_id: int, answer: str) -> SessionState:
    """Answer the item on screen. Repeating an answered item returns the state unchanged."""
    test, _ = _test_for_student(actor, test_id)
    session = (
        TestSession.objects.select_for_update()
        .select_related("test__calibration")
        .filter(test=test, student=actor)
        .first()
    )
    if session is None:
        raise InvalidInput("请先开始测评", field="test")
    row = session.items.select_related("item").filter(item_id=item_id).first()
    if row is None:
        raise InvalidInput(f"题目 {item_id} 不是本次测评给您的题目", field="item")
    if row.answered is not None:  # a double submission: already recorded, nothing changes
        return _state(session, last_correct=row.correct)
    _check_window(test)
    answered = learning_api.response_record(actor=actor, item=row.item, answer=answer)
    row.answer = answered.response.answer
    row.correct = answered.correct
    row.answered = timezone.now()
    row.save(update_fields=["answer", "correct", "answered"])
    _advance(session, Engine(test, seed=session.pk))
    return _state(session, last_correct=answered.correct)
