"""HTML pages of the recommend app (Chinese). Thin: parse, call selectors/services, render.

Students: 为你推荐 (index), 我的学习路径 (paths, one path with its current step: resources to study
and an item to practise; the path is re-planned after each answer). Teachers: 班级推荐 (classes, one
class with its weak points, recommended resources, path assignment and progress).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from educloud.learning import api as learning_api
from educloud.lib.bounds import GRADE_MAX, GRADE_MIN, INT64_MAX, int_param
from educloud.lib.errors import DomainError, InvalidInput
from educloud.lib.pages import error_page
from educloud.recommend import selectors, services


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        recs = selectors.recommendations(actor=user, k=10)
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "recommend/index.html",
        {
            "recs": recs,
            "is_student": services.is_student(user),
            "classes": selectors.teacher_classes(actor=user),
        },
    )


@login_required
def paths(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            path = services.student_path_start(actor=request.user, targets=request.POST.getlist("targets"))
        except DomainError as exc:
            if exc.status_code == 403:
                return error_page(request, exc)
            messages.error(request, exc.message)
            return redirect("recommend:paths")
        return redirect("recommend:path", path_id=path.pk)
    try:
        own, assigned = selectors.my_paths(actor=request.user)
    except DomainError as exc:
        return error_page(request, exc)
    return render(
        request,
        "recommend/paths.html",
        {"paths": own, "assigned": assigned, "graphs": selectors.graph_choices()},
    )


@login_required
def path_detail(request: HttpRequest, path_id: int) -> HttpResponse:
    try:
        path = services.student_path_get(actor=request.user, path_id=path_id)
        planned = selectors.path_plan(actor=request.user, path=path)
    except DomainError as exc:
        return error_page(request, exc)
    item = planned.practice_item
    choices = list(zip("ABCDEF", item.options, strict=False)) if item else []
    return render(
        request, "recommend/path.html", {"path": path, "planned": planned, "item": item, "choices": choices}
    )


@login_required
@require_POST
def path_answer(request: HttpRequest, path_id: int) -> HttpResponse:
    try:
        item_id = int_param(request.POST, "item", low=1, high=INT64_MAX, label="题目编号")
        if item_id is None:
            raise InvalidInput("缺少题目编号", field="item")
        outcome = services.path_answer(
            actor=request.user,
            path_id=path_id,
            item_id=item_id,
            answer="".join(request.POST.getlist("answer")),
        )
    except DomainError as exc:
        if exc.status_code != 400:
            return error_page(request, exc)
        messages.error(request, exc.message)
        return redirect("recommend:path", path_id=path_id)
    change = f"「{outcome.point_name}」掌握度 {outcome.before:.2f} → {outcome.after:.2f}"
    if outcome.correct:
        messages.success(request, f"回答正确！{change}")
    else:
        messages.error(request, f"回答错误，正确答案：{outcome.answer_shown}。{change}")
    if outcome.completed:
        messages.success(request, "恭喜！这条学习路径已经完成。")
    return redirect("recommend:path", path_id=path_id)


@login_required
@require_POST
def path_study(request: HttpRequest, path_id: int) -> HttpResponse:
    try:
        resource_id = int_param(request.POST, "resource", low=1, high=INT64_MAX, label="资源编号")
        if resource_id is None:
            raise InvalidInput("缺少资源编号", field="resource")
        services.resource_study(actor=request.user, path_id=path_id, resource_id=resource_id)
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, "已记录学习完成，接下来做几道练习巩固一下。")
    return redirect(reverse("recommend:path", kwargs={"path_id": path_id}) + "#practice")


@login_required
@require_POST
def assignment_follow(request: HttpRequest, assignment_id: int) -> HttpResponse:
    try:
        path = services.assignment_follow(actor=request.user, assignment_id=assignment_id)
    except DomainError as exc:
        return error_page(request, exc)
    return redirect("recommend:path", path_id=path.pk)


@login_required
def classes(request: HttpRequest) -> HttpResponse:
    return render(
        request, "recommend/classes.html", {"classes": selectors.teacher_classes(actor=request.user)}
    )


@login_required
def class_detail(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    try:
        grade = int_param(source, "grade", low=GRADE_MIN, high=GRADE_MAX, label="年级")
        if grade is None:
            raise InvalidInput("年级无效：缺少年级", field="grade")
        school, label = source.get("school", ""), source.get("class", "")
        if request.method == "POST":
            assignment = services.path_assign(
                actor=request.user,
                school_code=school,
                grade=grade,
                class_label=label,
                targets=request.POST.getlist("targets"),
                title=request.POST.get("title", ""),
            )
            messages.success(request, f"已布置学习路径：{assignment.title}")
            return redirect(reverse("recommend:progress", kwargs={"assignment_id": assignment.pk}))
        recs = selectors.class_recommendations(
            actor=request.user, school_code=school, grade=grade, class_label=label
        )
    except DomainError as exc:
        if request.method == "POST" and (exc.status_code == 400 or exc.field == "targets"):
            messages.error(request, exc.message)
            query = urlencode(
                {
                    "school": source.get("school", ""),
                    "grade": source.get("grade", ""),
                    "class": source.get("class", ""),
                }
            )
            return redirect(f"{reverse('recommend:class')}?{query}")
        return error_page(request, exc)
    return render(request, "recommend/class.html", {"recs": recs, "graphs": selectors.graph_choices()})


@login_required
def progress(request: HttpRequest, assignment_id: int) -> HttpResponse:
    try:
        prog = selectors.assignment_progress(actor=request.user, assignment_id=assignment_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "recommend/progress.html", {"prog": prog, "MIN_GROUP": learning_api.MIN_GROUP})
