"""HTML pages of the assessment app (Chinese). Thin: parse, call selectors/services, render.

Service refusals become the error page with their status (400/403/404); answering posts and
redirects (PRG), so reloading never submits twice, and a repeated post of an answered item is a
no-op in the service. Chart data goes to the templates through ``json_script``; the script in
``static/assessment/`` draws it with ECharts.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from educloud.assessment import selectors, services
from educloud.assessment.models import AdaptiveTest, Calibration
from educloud.learning.api import graph_list
from educloud.lib.bounds import GRADE_MAX, GRADE_MIN, INT64_MAX, int_param
from educloud.lib.errors import DomainError, InvalidInput, PermissionDenied
from educloud.lib.pages import error_page


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    staff = selectors.is_staff(user)
    return render(
        request,
        "assessment/index.html",
        {
            "student_tests": selectors.tests_for_student(actor=user) if selectors.is_student(user) else [],
            "is_student": selectors.is_student(user),
            "is_staff": staff,
            "staff_tests": selectors.tests_for_staff(actor=user) if staff else [],
            "can_create": staff,
        },
    )


def _choices(item: object) -> list[tuple[str, str]]:
    return list(zip("ABCDEF", getattr(item, "options", []) or [], strict=False))


@login_required
def take(request: HttpRequest, test_id: int) -> HttpResponse:
    """GET shows the item on screen (or the start button); POST without ``item`` starts the test,
    with ``item`` answers it. Every POST redirects back (PRG)."""
    try:
        if request.method == "POST":
            if "item" not in request.POST:
                services.session_start(actor=request.user, test_id=test_id)
                return redirect("assessment:take", test_id=test_id)
            item_id = int_param(request.POST, "item", low=1, high=INT64_MAX, label="题目编号")
            if item_id is None:
                raise InvalidInput("缺少题目编号", field="item")
            try:
                state = services.session_answer(
                    actor=request.user,
                    test_id=test_id,
                    item_id=item_id,
                    answer="".join(request.POST.getlist("answer")),
                )
            except DomainError as exc:
                if exc.status_code != 400 or exc.field != "answer":
                    raise
                messages.error(request, exc.message)
                return redirect("assessment:take", test_id=test_id)
            if state.session.finished:
                return redirect("assessment:result", test_id=test_id)
            return redirect("assessment:take", test_id=test_id)
        test, state = services.session_current(actor=request.user, test_id=test_id)
    except DomainError as exc:
        return error_page(request, exc)
    if state is not None and state.session.finished:
        return redirect("assessment:result", test_id=test_id)
    item = state.current.item if state and state.current else None
    return render(
        request,
        "assessment/take.html",
        {
            "test": test,
            "state": state,
            "item": item,
            "choices": _choices(item),
            "number": (state.answered if state else 0) + 1,
            "is_open": test.opens <= timezone.now() < test.closes,
        },
    )


@login_required
def result(request: HttpRequest, test_id: int) -> HttpResponse:
    try:
        res = selectors.session_result(actor=request.user, test_id=test_id)
    except DomainError as exc:
        return error_page(request, exc)
    chart = {
        "points": [p.name for p in res.points],
        "correct": [p.n_correct for p in res.points],
        "expected": [round(p.expected, 2) for p in res.points],
    }
    return render(request, "assessment/result.html", {"res": res, "test": res.session.test, "chart": chart})


def _dt(value: str, label: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label}格式无效，应为 年-月-日 时:分", field=label) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
def test_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.is_staff(user):
        return error_page(request, PermissionDenied("只有教师、学校管理员和教育行政部门可以创建测评"))
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            content = {}
            for code in request.POST.getlist("point"):
                content[code.strip()] = 1.0
            grade = int_param(request.POST, "grade", low=GRADE_MIN, high=GRADE_MAX, label="年级")
            max_items = int_param(request.POST, "max_items", low=1, high=100, label="最多题数") or 20
            try:
                se_stop = float(request.POST.get("se_stop") or 0.3)
            except ValueError:
                raise InvalidInput("终止标准误应为数字", field="se_stop") from None
            subject, _, stage = (request.POST.get("bank") or "数学/junior").partition("/")
            test = services.adaptive_test_create(
                actor=user,
                spec=services.TestSpec(
                    title=request.POST.get("title", ""),
                    audience_level=request.POST.get("audience_level", ""),
                    audience_code=request.POST.get("audience_code", ""),
                    subject=subject,
                    stage=stage,
                    content=content,
                    max_items=max_items,
                    se_stop=se_stop,
                    grade=grade,
                    class_label=request.POST.get("class_label", ""),
                    opens=_dt(request.POST.get("opens", ""), "开始时间"),
                    closes=_dt(request.POST.get("closes", ""), "结束时间"),
                ),
            )
        except DomainError as exc:
            if exc.status_code == 403:
                return error_page(request, exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已创建测评“{test.title}”")
            return redirect("assessment:report", test_id=test.pk)
    graphs = graph_list()
    points = []
    latest = services.calibration_latest(subject="数学", stage="junior")
    if latest is not None:
        from educloud.learning.api import KnowledgePoint

        points = list(
            KnowledgePoint.objects.filter(items__in=latest.items.values("item_id"))
            .distinct()
            .order_by("code")
        )
    return render(
        request,
        "assessment/test_new.html",
        {"form": form, "graphs": graphs, "levels": AdaptiveTest.Level.choices, "points": points},
    )


def _level(request: HttpRequest, allowed: tuple[str, ...], default: str) -> str:
    level = request.GET.get("level") or default
    if level not in allowed:
        raise InvalidInput(f"统计层级无效，可选：{'、'.join(allowed)}", field="level")
    return level


@login_required
def report(request: HttpRequest, test_id: int) -> HttpResponse:
    try:
        level = _level(request, ("school", "county"), "school")
        rep = selectors.region_report(actor=request.user, test_id=test_id, level=level)
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "assessment/report.html",
        {
            "rep": rep,
            "test": rep.test,
            "level": level,
            "classes": selectors.classes_of(actor=request.user),
            "chart": rep.chart(),
            "min_group": selectors.MIN_GROUP,
        },
    )


@login_required
def class_detail(request: HttpRequest, test_id: int) -> HttpResponse:
    try:
        grade = int_param(request.GET, "grade", low=GRADE_MIN, high=GRADE_MAX, label="年级")
        if grade is None:
            raise InvalidInput("年级无效：缺少年级", field="grade")
        rep = selectors.class_report(
            actor=request.user,
            test_id=test_id,
            school_code=request.GET.get("school", ""),
            grade=grade,
            class_label=request.GET.get("class", ""),
        )
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "assessment/class.html", {"rep": rep, "test": rep.test, "chart": rep.chart()})


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.is_staff(user):
        return error_page(request, PermissionDenied("学习成效评估仅对教师、学校管理员和教育行政部门开放"))
    tests = selectors.tests_for_staff(actor=user)
    rep = None
    try:
        level = _level(request, ("class", "school", "county"), "school")
        before = int_param(request.GET, "before", low=1, high=INT64_MAX, label="前测")
        after = int_param(request.GET, "after", low=1, high=INT64_MAX, label="后测")
        if before and after:
            rep = selectors.outcome_report(actor=user, before_id=before, after_id=after, level=level)
    except DomainError as exc:
        if exc.status_code != 400:
            return error_page(request, exc)
        messages.error(request, exc.message)
        level = request.GET.get("level") or "school"
    return render(
        request,
        "assessment/outcomes.html",
        {
            "tests": tests,
            "rep": rep,
            "level": level,
            "chart": rep.chart() if rep else None,
            "min_group": selectors.MIN_GROUP,
            "before": request.GET.get("before", ""),
            "after": request.GET.get("after", ""),
        },
    )


@login_required
def calibrations(request: HttpRequest) -> HttpResponse:
    try:
        rows = list(selectors.calibration_list(actor=request.user)[:100])
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "assessment/calibrations.html", {"calibrations": rows})


@login_required
def calibration_detail(request: HttpRequest, calibration_id: int) -> HttpResponse:
    try:
        calibration, items = selectors.calibration_get(actor=request.user, calibration_id=calibration_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "assessment/calibration.html",
        {
            "c": calibration,
            "items": items,
            "models": dict(Calibration.Model.choices),
            "home": reverse("assessment:index"),
        },
    )
