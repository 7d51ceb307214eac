"""HTML pages of the learning app (Chinese). Thin: parse, call selectors/services, render.

Service errors become the error page (403/404) or a message on the form (400). Chart data goes to
the templates through ``json_script``; the scripts in ``static/learning/`` draw it with ECharts.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from educloud.learning import selectors, services
from educloud.learning.tabular import ImportRejected
from educloud.lib.bounds import GRADE_MAX, GRADE_MIN, INT64_MAX, int_param
from educloud.lib.errors import DomainError, InvalidInput
from educloud.lib.pages import error_page as _error_page


def _graph(request: HttpRequest) -> selectors.GraphRef:
    return selectors.graph_pick(request.GET.get("subject"), request.GET.get("stage"))


def _graph_context(graph: selectors.GraphRef) -> dict[str, object]:
    return {"graph": graph, "graphs": selectors.graph_list()}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "learning/index.html",
        {
            "is_student": selectors.is_student(user),
            "classes": selectors.class_list(actor=user),
            "sees_aggregates": not selectors.aggregate_scope(user).is_empty,
            "can_edit_items": selectors.can_edit_items(user),
            "graphs": selectors.graph_list(),
        },
    )


@login_required
def my_map(request: HttpRequest) -> HttpResponse:
    try:
        graph = _graph(request)
        nodes = selectors.student_map(actor=request.user, subject=graph.subject, stage=graph.stage)
    except DomainError as exc:
        return _error_page(request, exc)
    weakest = sorted((n for n in nodes if n.n), key=lambda n: (n.p or 0.0, n.point.code))[:5]
    return render(
        request,
        "learning/me.html",
        {
            **_graph_context(graph),
            "nodes": nodes,
            "weakest": weakest,
            "n_mastered": sum((n.p or 0) >= selectors.MASTERED for n in nodes),
            "chart": selectors.chart_data(nodes),
            "MASTERED": round(100 * selectors.MASTERED),
        },
    )


@login_required
def practice(request: HttpRequest) -> HttpResponse:
    try:
        graph = _graph(request)
        if request.method == "POST":
            item_id = int_param(request.POST, "item", low=1, high=INT64_MAX, label="题目编号")
            item = selectors.item_get(item_id=item_id or 0)
            before = selectors.student_map(actor=request.user, subject=graph.subject, stage=graph.stage)
            p_before = {n.point.pk: n.p for n in before}
            try:
                answered = services.response_record(
                    actor=request.user, item=item, answer="".join(request.POST.getlist("answer"))
                )
            except DomainError as exc:
                if exc.status_code != 400:
                    raise
                messages.error(request, exc.message)
                return redirect(f"{reverse('learning:practice')}?subject={graph.subject}&stage={graph.stage}")
            names = dict(item.knowledge_points.values_list("pk", "name"))
            changes = "；".join(
                f"{names[pk]} {round(100 * (p_before.get(pk) or 0))}% → {round(100 * p)}%"
                for pk, p in answered.mastery.items()
            )
            if answered.correct:
                messages.success(request, f"回答正确！掌握程度：{changes}")
            else:
                shown = selectors.answer_display(item)
                messages.error(request, f"回答错误，正确答案：{shown}。掌握程度：{changes}")
            return redirect(f"{reverse('learning:practice')}?subject={graph.subject}&stage={graph.stage}")
        nxt = selectors.practice_next(actor=request.user, subject=graph.subject, stage=graph.stage)
    except DomainError as exc:
        return _error_page(request, exc)
    except ValueError:
        return render(request, "web/error.html", {"message": "题目编号无效"}, status=400)
    choices = list(zip("ABCDEF", nxt.item.options, strict=False)) if nxt else []
    return render(
        request, "learning/practice.html", {**_graph_context(graph), "next": nxt, "choices": choices}
    )


@login_required
def classes(request: HttpRequest) -> HttpResponse:
    return render(request, "learning/classes.html", {"classes": selectors.class_list(actor=request.user)})


@login_required
def class_detail(request: HttpRequest) -> HttpResponse:
    try:
        graph = _graph(request)
        grade = int_param(request.GET, "grade", low=GRADE_MIN, high=GRADE_MAX, label="年级")
        if grade is None:
            raise InvalidInput("年级无效：缺少年级", field="grade")
    except DomainError as exc:
        return _error_page(request, exc)
    except ValueError:
        return render(request, "web/error.html", {"message": "年级无效"}, status=400)
    try:
        heat = selectors.class_heatmap(
            actor=request.user,
            school_code=request.GET.get("school", ""),
            grade=grade,
            class_label=request.GET.get("class", ""),
            subject=graph.subject,
            stage=graph.stage,
        )
    except DomainError as exc:
        return _error_page(request, exc)
    return render(
        request,
        "learning/class.html",
        {**_graph_context(graph), "heat": heat, "chart": heat.chart(), "READY": round(100 * selectors.READY)},
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    try:
        graph = _graph(request)
        agg = selectors.school_aggregates(actor=request.user, subject=graph.subject, stage=graph.stage)
    except DomainError as exc:
        return _error_page(request, exc)
    return render(
        request,
        "learning/overview.html",
        {
            **_graph_context(graph),
            "agg": agg,
            "chart": agg.chart(),
            "MASTERED": round(100 * selectors.MASTERED),
            "MIN_GROUP": selectors.MIN_GROUP,
        },
    )


@login_required
def graphs(request: HttpRequest) -> HttpResponse:
    try:
        graph = _graph(request)
    except DomainError as exc:
        return _error_page(request, exc)
    nodes = selectors.graph_nodes(selectors.knowledge_points(subject=graph.subject, stage=graph.stage))
    names = selectors.point_names({a for n in nodes for a in n.prerequisites})
    rows = [(n, [names.get(a, "?") for a in n.prerequisites]) for n in nodes]
    return render(
        request,
        "learning/graphs.html",
        {
            **_graph_context(graph),
            "nodes": nodes,
            "rows": rows,
            "chart": selectors.chart_data(nodes),
            "can_edit": selectors.can_edit_graph(request.user),
        },
    )


@login_required
def graph_export(request: HttpRequest) -> HttpResponse:
    subject = request.GET.get("subject") or None
    stage = request.GET.get("stage") or None
    response = HttpResponse(
        selectors.graph_export(subject=subject, stage=stage), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="knowledge-graph.csv"
    )
    return response


def _import_view(request: HttpRequest, template: str, run, extra: dict[str, object]) -> HttpResponse:  # type: ignore[no-untyped-def]
    context: dict[str, object] = dict(extra)
    upload = request.FILES.get("file")
    dry_run = bool(request.POST.get("dry_run"))
    if upload is None:
        context["error"] = "请选择要导入的文件"
    else:
        try:
            report = run(actor=request.user, data=upload.read(), filename=upload.name, dry_run=dry_run)
        except ImportRejected as exc:
            context["error"] = "文件有误，未导入任何数据。请逐行修改后重新导入："
            context["row_errors"] = exc.errors
        except DomainError as exc:
            if exc.status_code == 403:
                return _error_page(request, exc)
            context["error"] = exc.message
        else:
            context["report"] = report
    return render(request, template, context, status=400 if "error" in context else 200)


@login_required
def graph_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("learning:graphs")
    return _import_view(
        request, "learning/import_result.html", services.knowledge_graph_import, {"what": "知识图谱"}
    )


@login_required
@require_POST
def prerequisite_new(request: HttpRequest) -> HttpResponse:
    try:
        services.prerequisite_add(
            actor=request.user,
            prerequisite=request.POST.get("prerequisite", "").strip(),
            point=request.POST.get("point", "").strip(),
        )
    except DomainError as exc:
        if exc.status_code == 403:
            return _error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已添加先修关系")
    back = request.POST.get("back", "")
    return redirect(back if back.startswith("/learning/") else reverse("learning:graphs"))


@login_required
def items(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _import_view(request, "learning/import_result.html", services.items_import, {"what": "题目"})
    try:
        rows = list(selectors.item_list(actor=request.user, knowledge_point=request.GET.get("kp") or None))
    except DomainError as exc:
        return _error_page(request, exc)
    return render(request, "learning/items.html", {"items": rows, "kp": request.GET.get("kp", "")})


@login_required
def items_template(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        data, filename, content_type = selectors.items_template(fmt=fmt)
    except DomainError as exc:
        return _error_page(request, exc)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        item = selectors.item_get(item_id=item_id)
    except DomainError as exc:
        return _error_page(request, exc)
    return render(
        request,
        "learning/item.html",
        {
            "item": item,
            "show_answer": selectors.can_edit_items(request.user),
            "iri": services.item_iri(item),
            "letters": "ABCDEF",
        },
    )
