"""HTML pages. Thin: parse, ask an app's api, render. Errors from services become pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from educloud.accounts.api import edit_scope, student_count, student_roster, view_scope
from educloud.lib.errors import DomainError
from educloud.lib.pages import error_page as _error_page
from educloud.regions.api import county_get
from educloud.schools.api import school_counts_by_stage, school_get, school_list, school_stats, school_update
from educloud.web.selectors import STAGE_LABELS, dashboard_data


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", dashboard_data(user=request.user))


def county_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        county = county_get(code=code)
    except DomainError as exc:
        return _error_page(request, exc)
    scope = view_scope(request.user)
    in_scope = scope.covers_place(
        province_code=county.province_id, city_code=county.city_id, county_code=county.code
    )
    stages = school_counts_by_stage(county_code=county.code)
    schools = list(school_list(scope=scope, county_code=county.code)) if in_scope else []
    return render(
        request,
        "web/county.html",
        {
            "county": county,
            "stages": [(STAGE_LABELS[k], n) for k, n in sorted(stages.items())],
            "school_total": sum(stages.values()),
            "in_scope": in_scope,
            "schools": schools,
        },
    )


@login_required
def school_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        school = school_get(scope=view_scope(request.user), code=code)
    except DomainError as exc:
        return _error_page(request, exc)
    return render(
        request,
        "web/school.html",
        {
            "school": school,
            "stats": list(school_stats(school=school)),
            "can_edit": request.user.has_perm("schools.change_school", school),
            "can_read_students": request.user.has_perm("accounts.view_studentprofile", school),
            "student_count": student_count(school=school),
        },
    )


@login_required
@require_POST
def school_edit(request: HttpRequest, code: str) -> HttpResponse:
    changes = {k: request.POST[k].strip() for k in ("name", "location_class") if k in request.POST}
    try:
        school_update(editable_scope=edit_scope(request.user), code=code, changes=changes)
    except DomainError as exc:
        if exc.status_code != 400:
            return _error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("web:school", code=code)


@login_required
def school_students(request: HttpRequest, code: str) -> HttpResponse:
    try:
        school = school_get(scope=view_scope(request.user), code=code)
        students = student_roster(actor=request.user, school=school)
    except DomainError as exc:
        return _error_page(request, exc)
    return render(request, "web/students.html", {"school": school, "students": students})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"message": "您没有权限访问此页面"}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"message": "页面不存在"}, status=404)
