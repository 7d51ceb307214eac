"""HTML pages of 产教融合 (Chinese). Thin: parse, call selectors/services, render.

A refused write comes back to the form with a message naming what to fix; a refusal for the caller's
role or scope is the error page with its status (403/404), as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from educloud.industry import rules, selectors, services
from educloud.industry.models import Competition, Enterprise, Industry, OrderClass
from educloud.lib.bounds import INT64_MAX, int_param
from educloud.lib.errors import DomainError, InvalidInput
from educloud.lib.pages import error_page, form_date
from educloud.regions.api import county_list
from educloud.schools.api import School


def _attempt(request: HttpRequest, write: Callable[[], Any], ok: str) -> HttpResponse | Any:
    """The service's result (a success message shown), None when refused for bad input (the message
    names what to fix), or the error page when refused for role or scope (403/404)."""
    try:
        result = write()
    except DomainError as exc:
        if exc.status_code in (403, 404):
            return error_page(request, exc)
        messages.error(request, exc.message)
        return None
    messages.success(request, ok)
    return result


def _skill_lines(text: str) -> list[tuple[str, str]]:
    """Lines “技能名称 等级” (or “技能名称|等级”) of a textarea → (name, level text)."""
    rows = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        name, sep, level = line.rpartition("|") if "|" in line else line.rpartition(" ")
        if not sep:
            raise InvalidInput(
                f"“{line[:30]}”缺少等级：每行写“技能名称 等级”，如“数控车床编程 3”", field="skills"
            )
        rows.append((name.strip(), level.strip()))
    return rows


def _who(user: Any) -> dict[str, Any]:
    return {
        "is_office": rules.is_joint_office(user),
        "my_enterprises": list(Enterprise.objects.filter(pk__in=rules.enterprise_ids(user))),
        "my_schools": list(
            School.objects.filter(pk__in=rules.admin_school_ids(user), stage__in=services.SUPPLY_STAGES)
        ),
    }


def _form_context() -> dict[str, Any]:
    return {"industries": Industry.choices, "counties": county_list()}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    who = _who(request.user)
    context = {
        **who,
        "demands": selectors.demand_list()[:50],
        "supplies": selectors.supply_list()[:50],
        "mine": selectors.demand_list(status=None, enterprise_ids={e.pk for e in who["my_enterprises"]})
        if who["my_enterprises"]
        else [],
        **_form_context(),
    }
    return render(request, "industry/index.html", context)


@login_required
def demand_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data = request.POST

        def publish() -> Any:
            return services.demand_publish(
                actor=request.user,
                position=data.get("position", ""),
                industry=data.get("industry", ""),
                county=data.get("county", ""),
                headcount=int_param(data, "headcount", low=-INT64_MAX, high=INT64_MAX, label="招聘人数"),
                deadline=form_date(data, "deadline", "截止日期"),
                skills=_skill_lines(data.get("skills", "")),
                description=data.get("description", ""),
            )

        done = _attempt(request, publish, "人才需求已发布")
        if isinstance(done, HttpResponse):
            return done
        if done is not None:
            return redirect("industry:demand", demand_id=done.pk)
    return render(
        request, "industry/demand_new.html", {**_who(request.user), **_form_context(), "form": request.POST}
    )


@login_required
def demand_detail(request: HttpRequest, demand_id: int) -> HttpResponse:
    try:
        demand, matches = selectors.demand_matches(demand_id=demand_id)
    except DomainError as exc:
        return error_page(request, exc)
    owner = rules.is_demand_owner(request.user, demand)
    if request.method == "POST":
        done = _attempt(
            request, lambda: services.demand_close(actor=request.user, demand_id=demand.pk), "已结束招聘"
        )
        if isinstance(done, HttpResponse):
            return done
        return redirect("industry:demand", demand_id=demand.pk)
    return render(request, "industry/demand.html", {"demand": demand, "matches": matches, "owner": owner})


@login_required
def supply_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data = request.POST

        def publish() -> Any:
            return services.supply_publish(
                actor=request.user,
                major=data.get("major", ""),
                industry=data.get("industry", ""),
                graduates_per_year=int_param(
                    data, "graduates_per_year", low=-INT64_MAX, high=INT64_MAX, label="年毕业生数"
                ),
                skills=_skill_lines(data.get("skills", "")),
                school_id=int_param(data, "school_id", low=0, high=INT64_MAX, label="学校"),
            )

        done = _attempt(request, publish, "人才供给已发布")
        if isinstance(done, HttpResponse):
            return done
        if done is not None:
            return redirect("industry:index")
    return render(
        request, "industry/supply_new.html", {**_who(request.user), **_form_context(), "form": request.POST}
    )


@login_required
def gap(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "city")
    if by not in ("city", "county", "industry"):
        return error_page(request, InvalidInput("统计口径应为 city、county 或 industry", field="by"))
    rows = selectors.supply_demand_gap(by=by)
    chart = {
        "labels": [r.label for r in rows],
        "demand": [r.demand for r in rows],
        "supply": [r.supply for r in rows],
        "gap": [r.gap for r in rows],
        "points": [] if by == "industry" else selectors.gap_map_points(rows),
    }
    return render(request, "industry/gap.html", {"rows": rows, "by": by, "chart": chart})


@login_required
def allocation(request: HttpRequest) -> HttpResponse:
    report = selectors.allocation_compare()
    context: dict[str, Any] = {"report": report, "min_score": selectors.MIN_SCORE}
    if report is not None:
        context["rows"] = report.rows()[:60]
        context["exact_placed"] = sum(q for _, _, q in report.exact.flows)
        context["greedy_placed"] = sum(q for _, _, q in report.greedy.flows)
        context["gain"] = report.exact.total - report.greedy.total
    return render(request, "industry/allocation.html", context)


@login_required
def classes(request: HttpRequest) -> HttpResponse:
    who = _who(request.user)
    if request.method == "POST":
        data = request.POST

        def propose() -> Any:
            return services.order_class_propose(
                actor=request.user,
                enterprise_id=int_param(data, "enterprise_id", low=0, high=INT64_MAX, label="企业") or 0,
                school_id=int_param(data, "school_id", low=0, high=INT64_MAX, label="学校") or 0,
                title=data.get("title", ""),
                major=data.get("major", ""),
                planned_size=int_param(
                    data, "planned_size", low=-INT64_MAX, high=INT64_MAX, label="计划人数"
                ),
            )

        done = _attempt(request, propose, "订单班已提议，待合作方确认签约")
        if isinstance(done, HttpResponse):
            return done
        if done is not None:
            return redirect("industry:class", order_class_id=done.pk)
    context = {
        **who,
        "classes": selectors.order_class_list(actor=request.user),
        "enterprises": Enterprise.objects.order_by("name"),
        "vocational": School.objects.filter(stage__in=services.SUPPLY_STAGES).order_by("name")[:300]
        if who["my_enterprises"]
        else who["my_schools"],
    }
    return render(request, "industry/classes.html", context)


@login_required
def class_detail(request: HttpRequest, order_class_id: int) -> HttpResponse:
    try:
        order = selectors.order_class_get(actor=request.user, order_class_id=order_class_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        data = request.POST

        def advance() -> Any:
            return services.order_class_advance(
                actor=request.user,
                order_class_id=order.pk,
                status=data.get("status", ""),
                enrolled=data.get("enrolled") or None,
                employed=data.get("employed") or None,
            )

        done = _attempt(request, advance, "订单班状态已更新")
        if isinstance(done, HttpResponse):
            return done
        return redirect("industry:class", order_class_id=order.pk)
    allowed = [(s, OrderClass.Status(s).label) for s in services.ORDER_TRANSITIONS[order.status]]
    steps = [s for s in OrderClass.Status if s != OrderClass.Status.CANCELLED]
    return render(
        request,
        "industry/class.html",
        {"order": order, "allowed": allowed, "party": rules.is_party(request.user, order), "steps": steps},
    )


def _party_ids(data: Any) -> dict[str, int]:
    return {
        "enterprise_id": int_param(data, "enterprise_id", low=0, high=INT64_MAX, label="企业") or 0,
        "school_id": int_param(data, "school_id", low=0, high=INT64_MAX, label="学校") or 0,
    }


def _party_choices(who: dict[str, Any]) -> dict[str, Any]:
    """Parties offered in an agreement form: an enterprise member registers for its own enterprise with any
    vocational school, a school admin for its own school with any enterprise (the service checks again)."""
    if who["my_enterprises"]:
        return {
            "enterprises": who["my_enterprises"],
            "vocational": School.objects.filter(stage__in=services.SUPPLY_STAGES).order_by("name")[:300],
        }
    return {"enterprises": Enterprise.objects.order_by("name"), "vocational": who["my_schools"]}


@login_required
def bases(request: HttpRequest) -> HttpResponse:
    who = _who(request.user)
    if request.method == "POST":
        data = request.POST
        action = data.get("action", "")
        if action == "base":
            write: Callable[[], Any] = lambda: services.base_create(  # noqa: E731
                actor=request.user,
                **_party_ids(data),
                name=data.get("name", ""),
                capacity=int_param(data, "capacity", low=-INT64_MAX, high=INT64_MAX, label="容纳人数"),
                majors=data.get("majors", ""),
            )
            ok = "实训基地已登记"
        elif action == "apprenticeship":
            write = lambda: services.apprenticeship_create(  # noqa: E731
                actor=request.user,
                **_party_ids(data),
                major=data.get("major", ""),
                apprentices=int_param(data, "apprentices", low=-INT64_MAX, high=INT64_MAX, label="学徒人数"),
                mentors=int_param(data, "mentors", low=-INT64_MAX, high=INT64_MAX, label="企业师傅人数"),
                starts_on=form_date(data, "starts_on", "开始日期"),
                ends_on=form_date(data, "ends_on", "结束日期"),
            )
            ok = "学徒制协议已登记"
        else:
            return error_page(request, InvalidInput("未知操作", field="action"))
        done = _attempt(request, write, ok)
        if isinstance(done, HttpResponse):
            return done
        if done is not None:
            return redirect("industry:bases")
    return render(
        request,
        "industry/bases.html",
        {
            **who,
            **_party_choices(who),
            "bases": selectors.base_list(actor=request.user),
            "apprenticeships": selectors.apprenticeship_list(actor=request.user),
            "form": request.POST,
        },
    )


def _bounded(data: Any, name: str, label: str, default: int) -> int:
    value = int_param(data, name, low=-INT64_MAX, high=INT64_MAX, label=label, default=default)
    return default if value is None else value


@login_required
def competitions(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data = request.POST

        def create() -> Any:
            return services.competition_create(
                actor=request.user,
                title=data.get("title", ""),
                skill=data.get("skill", ""),
                kind=data.get("kind", ""),
                judge_ids=[
                    int_param({"judge_ids": v}, "judge_ids", low=0, high=INT64_MAX, label="评审专家") or 0
                    for v in data.getlist("judge_ids")[:50]
                ],
                team_min=_bounded(data, "team_min", "每队最少人数", 1),
                team_max=_bounded(data, "team_max", "每队最多人数", 1),
                score_max=_bounded(data, "score_max", "评分满分", 100),
            )

        done = _attempt(request, create, "技能竞赛已发布，开始报名")
        if isinstance(done, HttpResponse):
            return done
        if done is not None:
            return redirect("industry:competition", competition_id=done.pk)
    office = rules.is_joint_office(request.user)
    return render(
        request,
        "industry/competitions.html",
        {
            "competitions": selectors.competition_list(),
            "is_office": office,
            "experts": selectors.expert_choices() if office else [],
            "kinds": Competition.Kind.choices,
            "form": request.POST,
        },
    )


@require_GET
@login_required
def members(request: HttpRequest) -> HttpResponse:
    """Read-only: the members of the caller's own enterprise(s); an empty page for everybody else."""
    return render(
        request, "industry/members.html", {"rows": selectors.enterprise_members(actor=request.user)}
    )


@login_required
def competition_detail(request: HttpRequest, competition_id: int) -> HttpResponse:
    try:
        competition = selectors.competition_get(competition_id=competition_id)
    except DomainError as exc:
        return error_page(request, exc)
    user = request.user
    office, judge = rules.is_joint_office(user), rules.is_judge(user, competition)
    if request.method == "POST":
        data = request.POST
        action = data.get("action", "")
        writes: dict[str, tuple[Callable[[], Any], str]] = {
            "register": (
                lambda: services.entry_register(
                    actor=user,
                    competition_id=competition.pk,
                    label=data.get("label", ""),
                    size=int_param(data, "size", low=-INT64_MAX, high=INT64_MAX, label="参赛人数"),
                ),
                "报名成功",
            ),
            "score": (
                lambda: services.score_submit(
                    actor=user,
                    entry_id=int_param(data, "entry_id", low=0, high=INT64_MAX, label="参赛报名") or 0,
                    score=data.get("score"),
                ),
                "评分已保存",
            ),
            "judging": (
                lambda: services.judging_start(actor=user, competition_id=competition.pk),
                "已开始评审",
            ),
            "publish": (
                lambda: services.results_publish(actor=user, competition_id=competition.pk),
                "结果已发布",
            ),
        }
        if action not in writes:
            return error_page(request, InvalidInput("未知操作", field="action"))
        write, ok = writes[action]
        done = _attempt(request, write, ok)
        if isinstance(done, HttpResponse):
            return done
        return redirect("industry:competition", competition_id=competition.pk)
    show = competition.status == Competition.Status.PUBLISHED or office or judge
    mine = {}
    if judge:
        mine = dict(competition.entries.filter(scores__judge=user).values_list("pk", "scores__score"))
    return render(
        request,
        "industry/competition.html",
        {
            "competition": competition,
            "standings": services.standings(competition) if show else [],
            "entries": competition.entries.select_related("school").order_by("pk"),
            "is_office": office,
            "is_judge": judge,
            "my_scores": mine,
            "can_register": bool(rules.staff_school_ids(user))
            and competition.status == Competition.Status.REGISTRATION,
        },
    )


@login_required
def skills(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data = request.POST
        if data.get("action") == "synonym":
            write: Callable[[], Any] = lambda: services.synonym_add(  # noqa: E731
                actor=request.user,
                skill_id=int_param(data, "skill_id", low=0, high=INT64_MAX, label="技能") or 0,
                name=data.get("name", ""),
            )
        else:
            write = lambda: services.skill_add(  # noqa: E731
                actor=request.user,
                code=data.get("code", ""),
                name=data.get("name", ""),
                category=data.get("category", ""),
                occupation_code=data.get("occupation_code", ""),
                occupation_name=data.get("occupation_name", ""),
            )
        done = _attempt(request, write, "技能词表已更新")
        if isinstance(done, HttpResponse):
            return done
        return redirect("industry:skills")
    return render(
        request,
        "industry/skills.html",
        {"skills": selectors.skill_list(), "is_office": rules.is_joint_office(request.user)},
    )
