"""产教融合 services on the demo seed: vocabulary load, order-class lifecycle, competitions, gap, scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from educloud.accounts.api import Role, RoleAssignment, User
from educloud.industry import selectors, services
from educloud.industry.demo import DEMO_ENTERPRISE, VOC_ADMIN
from educloud.industry.models import (
    Competition,
    Demand,
    Enterprise,
    Entry,
    JudgeScore,
    OrderClass,
    Skill,
    SkillSynonym,
    Supply,
)
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _voc_school_id() -> int:
    return RoleAssignment.objects.get(user__username=VOC_ADMIN).school_id


# ------------------------------------------------------------------------------------ vocabulary


def test_vocabulary_load_is_idempotent_and_keeps_the_offices_additions():
    before = (Skill.objects.count(), SkillSynonym.objects.count())
    added = services.skill_add(
        actor=_user("joint_office"), code="sk-zz-test", name="测试技能甲", category="通用", occupation_code=""
    )
    report = services.skills_load()
    assert (report.created, report.updated, report.synonyms) == (0, 0, 0)
    assert services.skills_load() == report
    assert Skill.objects.filter(pk=added.pk, code="SK-ZZ-TEST").exists()
    assert (Skill.objects.count(), SkillSynonym.objects.count()) == (before[0] + 1, before[1])


def test_vocabulary_restores_a_changed_row_from_the_csv():
    skill = Skill.objects.get(code="SK-CNC-TURN")
    skill.name = "改名"
    skill.save()
    report = services.skills_load()
    assert report.updated == 1
    assert Skill.objects.get(code="SK-CNC-TURN").name == "数控车床编程"


def test_occupation_codes_are_well_formed_or_empty():
    coded = Skill.objects.exclude(occupation_code="")
    assert coded.filter(code="SK-CNC-TURN", occupation_code="6-18-01-01", occupation_name="车工").exists()
    assert coded.filter(occupation_code__startswith="4-04-05-").exists()
    for skill in coded:
        assert services._is_occupation_code(skill.occupation_code), skill.occupation_code
        assert skill.occupation_name
    assert Skill.objects.filter(occupation_code="").count() > coded.count()  # unknown codes stay empty


def test_synonyms_resolve_case_and_space_insensitively():
    found = services.skill_lookup(["CNC车床编程", "plc编程", "PLC 编程", "不存在的技能"])
    assert found["CNC车床编程"].name == "数控车床编程"
    assert found["plc编程"].name == found["PLC 编程"].name == "PLC 编程"
    assert "不存在的技能" not in found


def test_only_the_joint_office_edits_the_vocabulary():
    with pytest.raises(PermissionDenied):
        services.skill_add(actor=_user("enterprise"), code="X1", name="某技能", category="通用")
    skill = Skill.objects.get(code="SK-PLC")
    with pytest.raises(InvalidInput) as exc:
        services.synonym_add(actor=_user("joint_office"), skill_id=skill.pk, name="数控车削")  # taken
    assert exc.value.field == "name"
    services.synonym_add(actor=_user("joint_office"), skill_id=skill.pk, name="S7-1200 编程")
    assert services.skill_lookup(["S7-1200 编程"])["S7-1200 编程"] == skill
    with pytest.raises(InvalidInput) as exc:
        services.skill_add(
            actor=_user("joint_office"), code="X2", name="某技能乙", category="通用", occupation_code="6-18-1"
        )
    assert exc.value.field == "occupation_code"


# ----------------------------------------------------------------------------- demand and supply


def test_enterprise_publishes_only_for_itself_and_unknown_skills_are_named():
    enterprise = _user("enterprise")
    future = dt.date.today() + dt.timedelta(days=30)
    demand = services.demand_publish(
        actor=enterprise,
        position="数控编程员",
        industry="manufacturing",
        county="500118",
        headcount=12,
        deadline=future,
        skills=[("数控车削", 3), ("PLC编程", 2)],
    )
    assert demand.enterprise.name == DEMO_ENTERPRISE
    assert sorted(s.skill.name for s in demand.skills.all()) == ["PLC 编程", "数控车床编程"]
    with pytest.raises(InvalidInput) as exc:
        services.demand_publish(
            actor=enterprise,
            position="x",
            industry="manufacturing",
            county="500118",
            headcount=1,
            deadline=future,
            skills=[("量子编织", 3)],
        )
    assert exc.value.field == "skills" and "量子编织" in exc.value.message
    other = Enterprise.objects.exclude(name=DEMO_ENTERPRISE).first()
    with pytest.raises(PermissionDenied):
        services.demand_publish(
            actor=enterprise,
            enterprise_id=other.pk,
            position="x",
            industry="manufacturing",
            county="500118",
            headcount=1,
            deadline=future,
            skills=[("焊接", 3)],
        )
    with pytest.raises(PermissionDenied):  # another enterprise's demand
        services.demand_close(actor=enterprise, demand_id=Demand.objects.filter(enterprise=other).first().pk)
    with pytest.raises(PermissionDenied):  # a school admin is no enterprise
        services.demand_publish(
            actor=_user("school_admin"),
            position="x",
            industry="manufacturing",
            county="500118",
            headcount=1,
            deadline=future,
            skills=[("焊接", 3)],
        )


@pytest.mark.parametrize(
    ("headcount", "field"), [(-3, "headcount"), (0, "headcount"), (10**30, "headcount"), ("十", "headcount")]
)
def test_bad_headcounts_are_refused_naming_the_field(headcount, field):
    with pytest.raises(InvalidInput) as exc:
        services.demand_publish(
            actor=_user("enterprise"),
            position="x",
            industry="manufacturing",
            county="500118",
            headcount=headcount,
            deadline=dt.date.today() + dt.timedelta(days=3),
            skills=[("焊接", 3)],
        )
    assert exc.value.field == field


def test_supply_only_from_a_vocational_schools_admin():
    supply = services.supply_publish(
        actor=_user(VOC_ADMIN),
        major="智能焊接技术",
        industry="manufacturing",
        graduates_per_year=30,
        skills=[("焊接", 4), ("机械识图", 2)],
    )
    assert supply.school_id == _voc_school_id()
    with pytest.raises(InvalidInput) as exc:  # the demo school_admin runs a primary school
        services.supply_publish(
            actor=_user("school_admin"),
            major="x",
            industry="manufacturing",
            graduates_per_year=3,
            skills=[("焊接", 1)],
        )
    assert exc.value.field == "school_id" and "只有中等职业学校和高等学校" in exc.value.message
    with pytest.raises(PermissionDenied):  # an enterprise or a teacher is no school admin
        services.supply_publish(
            actor=_user("teacher"),
            major="x",
            industry="manufacturing",
            graduates_per_year=3,
            skills=[("焊接", 1)],
        )
    with pytest.raises(InvalidInput) as exc:  # same major twice
        services.supply_publish(
            actor=_user(VOC_ADMIN),
            major="智能焊接技术",
            industry="manufacturing",
            graduates_per_year=3,
            skills=[("焊接", 1)],
        )
    assert exc.value.field == "major"
    with pytest.raises(InvalidInput) as exc:
        services.supply_publish(
            actor=_user(VOC_ADMIN),
            major="y",
            industry="manufacturing",
            graduates_per_year=3,
            skills=[("焊接", 9)],
        )
    assert exc.value.field == "skills"


def test_matches_explain_and_rank_a_fitting_programme_first():
    supply = services.supply_publish(
        actor=_user(VOC_ADMIN),
        major="工业自动化（测试）",
        industry="manufacturing",
        graduates_per_year=30,
        skills=[("PLC 编程", 5), ("工业机器人操作与编程", 5), ("电工作业", 5)],
    )
    demand = Demand.objects.get(enterprise__name=DEMO_ENTERPRISE, position="自动化产线技术员")
    _, matches = selectors.demand_matches(demand_id=demand.pk)
    assert matches[0].supply == supply
    assert matches[0].coverage == pytest.approx(1.0)
    assert matches[0].explanation.startswith("匹配技能：")
    assert "缺少：无" in matches[0].explanation
    assert all(m.score >= matches[-1].score for m in matches)
    partial = [m for m in matches if m.missing]
    assert partial and all(f"缺少：{'、'.join(m.missing)}" in m.explanation for m in partial)


def test_gap_is_demand_minus_supply_and_totals_agree():
    total_demand = Demand.objects.filter(status="open").aggregate(n=Sum("headcount"))["n"]
    total_supply = Supply.objects.aggregate(n=Sum("graduates_per_year"))["n"]
    for by in ("city", "county", "industry"):
        rows = selectors.supply_demand_gap(by=by)
        assert sum(r.demand for r in rows) == total_demand
        assert sum(r.supply for r in rows) == total_supply
        assert all(r.gap == r.demand - r.supply for r in rows)
        assert [r.gap for r in rows] == sorted((r.gap for r in rows), reverse=True)
    cities = {r.key: r for r in selectors.supply_demand_gap(by="city")}
    assert "500118" in cities  # 重庆 is counted by district
    assert "510100" in cities or any(k.startswith("51") and k.endswith("00") for k in cities)


def test_allocation_exact_is_never_below_greedy_on_the_demo():
    report = selectors.allocation_compare()
    assert report is not None
    assert report.exact.total >= report.greedy.total - 1e-9
    placed = {}
    for _, j, q in report.exact.flows:
        placed[j] = placed.get(j, 0) + q
    assert all(placed[j] <= report.demands[j].headcount for j in placed)


# ------------------------------------------------------------------------------------ order class


def _propose() -> OrderClass:
    enterprise = Enterprise.objects.get(name=DEMO_ENTERPRISE)
    return services.order_class_propose(
        actor=_user("enterprise"),
        enterprise_id=enterprise.pk,
        school_id=_voc_school_id(),
        title="数控订单班（测试）",
        major="数控技术应用",
        planned_size=30,
    )


def test_order_class_lifecycle_with_enforced_transitions():
    order = _propose()
    enterprise, school = _user("enterprise"), _user(VOC_ADMIN)
    with pytest.raises(InvalidInput, match="提议人不能自行签约"):
        services.order_class_advance(actor=enterprise, order_class_id=order.pk, status="agreed")
    with pytest.raises(InvalidInput) as exc:  # skipping a step
        services.order_class_advance(actor=school, order_class_id=order.pk, status="training", enrolled=10)
    assert exc.value.field == "status"
    assert (
        "当前为“已提议”，不能变为“培养中”" in exc.value.message
        and "可变为：已签约、已取消" in exc.value.message
    )
    services.order_class_advance(actor=school, order_class_id=order.pk, status="agreed")
    services.order_class_advance(actor=enterprise, order_class_id=order.pk, status="enrolling")
    with pytest.raises(InvalidInput) as exc:
        services.order_class_advance(actor=school, order_class_id=order.pk, status="training", enrolled=31)
    assert exc.value.field == "enrolled" and "超过计划人数 30" in exc.value.message
    services.order_class_advance(actor=school, order_class_id=order.pk, status="training", enrolled=28)
    with pytest.raises(InvalidInput) as exc:
        services.order_class_advance(actor=school, order_class_id=order.pk, status="completed", employed=29)
    assert exc.value.field == "employed"
    done = services.order_class_advance(
        actor=enterprise, order_class_id=order.pk, status="completed", employed=25
    )
    assert (done.status, done.enrolled, done.employed) == ("completed", 28, 25)
    with pytest.raises(InvalidInput, match="已是最终状态"):
        services.order_class_advance(actor=enterprise, order_class_id=order.pk, status="cancelled")
    with pytest.raises(InvalidInput) as exc:
        services.order_class_advance(actor=enterprise, order_class_id=order.pk, status="graduated")
    assert exc.value.field == "status"


def test_only_parties_advance_an_order_class_and_bureaus_see_their_region():
    order = _propose()
    for outsider in ("school_admin", "teacher", "joint_office", "yongchuan_bureau", "expert", "student"):
        with pytest.raises(NotFound):
            services.order_class_advance(actor=_user(outsider), order_class_id=order.pk, status="cancelled")
    seen = lambda name: set(selectors.order_class_list(actor=_user(name)).values_list("pk", flat=True))  # noqa: E731
    assert order.pk in seen("joint_office") and order.pk in seen("enterprise") and order.pk in seen(VOC_ADMIN)
    # the enterprise is in 永川区 (重庆), the school in the demo's 四川 county: both provinces' bureaus see it
    assert order.pk in seen("cq_bureau") and order.pk in seen("yongchuan_bureau")
    school_county = order.school.county_id
    assert order.pk in seen("sc_bureau")
    assert order.pk not in seen("student") and order.pk not in seen("expert")
    for pk in seen("jintang_bureau"):
        o = OrderClass.objects.get(pk=pk)
        assert "510121" in (o.school.county_id, o.enterprise.county_id)
    assert school_county


# ----------------------------------------------------------------------------------- competitions


def _experts() -> list[User]:
    ids = (
        RoleAssignment.objects.filter(role=Role.EXPERT)
        .order_by("user__username")
        .values_list("user", flat=True)
    )
    return list(User.objects.filter(pk__in=list(ids)).order_by("username"))[:3]


def test_competition_judging_normalises_per_judge_and_ranks_with_ties():
    office = _user("joint_office")
    judges = _experts()
    comp = services.competition_create(
        actor=office,
        title="焊接技能赛（测试）",
        skill="电焊",
        kind="team",
        team_min=2,
        team_max=3,
        judge_ids=[j.pk for j in judges],
    )
    admin = _user(VOC_ADMIN)
    with pytest.raises(InvalidInput) as exc:
        services.entry_register(actor=admin, competition_id=comp.pk, label="队1", size=5)
    assert exc.value.field == "size" and "团体赛每队 2–3 人" in exc.value.message
    with pytest.raises(InvalidInput) as exc:  # a primary school is not eligible
        services.entry_register(actor=_user("school_admin"), competition_id=comp.pk, label="小学队", size=2)
    assert exc.value.field == "school_id" and "参赛资格" in exc.value.message
    entries = [
        services.entry_register(actor=admin, competition_id=comp.pk, label=f"队{k}", size=2) for k in range(4)
    ]
    with pytest.raises(NotFound):  # not judging yet, and never for a non-judge
        services.score_submit(actor=office, entry_id=entries[0].pk, score=50)
    with pytest.raises(PermissionDenied):
        services.judging_start(actor=admin, competition_id=comp.pk)
    services.judging_start(actor=office, competition_id=comp.pk)
    with pytest.raises(InvalidInput, match="已截止报名"):
        services.entry_register(actor=admin, competition_id=comp.pk, label="迟到队", size=2)
    quality = [80, 70, 70, 60]  # entries 1 and 2 tie
    severity = [-15, 0, 10]  # judges differ in harshness only
    for judge, offset in zip(judges, severity, strict=False):
        for entry, q in zip(entries, quality, strict=True):
            if judge == judges[-1] and entry == entries[-1]:
                continue
            services.score_submit(actor=judge, entry_id=entry.pk, score=q + offset)
    with pytest.raises(InvalidInput, match="尚有评委未评分"):
        services.results_publish(actor=office, competition_id=comp.pk)
    with pytest.raises(InvalidInput) as exc:
        services.score_submit(actor=judges[-1], entry_id=entries[-1].pk, score=10**9)
    assert exc.value.field == "score"
    services.score_submit(actor=judges[-1], entry_id=entries[-1].pk, score=60 + severity[2])
    table = services.results_publish(actor=office, competition_id=comp.pk)
    ranks = {s.entry.label: s.rank for s in table}
    assert ranks == {"队0": 1, "队1": 2, "队2": 2, "队3": 4}
    # per-judge z-scores remove the harshness: normalised finals are equal for equal quality
    finals = {s.entry.label: s.final_score for s in table}
    assert finals["队1"] == pytest.approx(finals["队2"])
    assert Entry.objects.get(pk=entries[1].pk).rank == 2
    assert Competition.objects.get(pk=comp.pk).status == "published"
    with pytest.raises(InvalidInput):
        services.results_publish(actor=office, competition_id=comp.pk)


def test_normalisation_changes_the_order_when_a_harsh_judge_scores_only_some_entries():
    office = _user("joint_office")
    judges = _experts()
    comp = services.competition_create(
        actor=office,
        title="数控赛（测试）",
        skill="数控车床编程",
        kind="individual",
        judge_ids=[j.pk for j in judges],
    )
    admin = _user(VOC_ADMIN)
    entries = [
        services.entry_register(actor=admin, competition_id=comp.pk, label=f"选手{k}", size=1)
        for k in range(3)
    ]
    services.judging_start(actor=office, competition_id=comp.pk)
    raw = {  # judge 0 is harsh on everybody; raw means alone would mislead
        judges[0]: [40, 45, 50],
        judges[1]: [70, 80, 75],
        judges[2]: [72, 81, 74],
    }
    for judge, scores in raw.items():
        for entry, score in zip(entries, scores, strict=True):
            services.score_submit(actor=judge, entry_id=entry.pk, score=score)
    table = {s.entry.label: s for s in services.results_publish(actor=office, competition_id=comp.pk)}
    assert table["选手1"].rank == 1
    assert JudgeScore.objects.filter(entry__competition=comp).count() == 9
    with pytest.raises(InvalidInput) as exc:
        services.competition_create(
            actor=office,
            title="x",
            skill="焊接",
            kind="individual",
            judge_ids=[_user("teacher").pk, judges[0].pk],
        )
    assert exc.value.field == "judge_ids"


def test_training_bases_and_apprenticeships_are_registered_by_a_party():
    enterprise = Enterprise.objects.get(name=DEMO_ENTERPRISE)
    base = services.base_create(
        actor=_user("enterprise"),
        enterprise_id=enterprise.pk,
        school_id=_voc_school_id(),
        name="智能制造实训基地（测试）",
        capacity=60,
        majors="数控技术应用、工业机器人技术应用",
    )
    assert base in selectors.base_list(actor=_user(VOC_ADMIN))
    assert base not in selectors.base_list(actor=_user("student"))
    with pytest.raises(PermissionDenied):
        services.base_create(
            actor=_user("school_admin"),
            enterprise_id=enterprise.pk,
            school_id=_voc_school_id(),
            name="x",
            capacity=1,
            majors="x",
        )
    with pytest.raises(InvalidInput) as exc:
        services.base_create(
            actor=_user("enterprise"),
            enterprise_id=enterprise.pk,
            school_id=_voc_school_id(),
            name="x",
            capacity=0,
            majors="x",
        )
    assert exc.value.field == "capacity"
    start = dt.date(2026, 9, 1)
    agreement = services.apprenticeship_create(
        actor=_user(VOC_ADMIN),
        enterprise_id=enterprise.pk,
        school_id=_voc_school_id(),
        major="焊接",
        apprentices=12,
        mentors=4,
        starts_on=start,
        ends_on=start + dt.timedelta(days=700),
    )
    assert agreement in selectors.apprenticeship_list(actor=_user("enterprise"))
    with pytest.raises(InvalidInput) as exc:
        services.apprenticeship_create(
            actor=_user(VOC_ADMIN),
            enterprise_id=enterprise.pk,
            school_id=_voc_school_id(),
            major="焊接",
            apprentices=12,
            mentors=4,
            starts_on=start,
            ends_on=start,
        )
    assert exc.value.field == "ends_on"


@pytest.mark.parametrize("position", ["车工\x00", "车工\x07"])
def test_demand_text_with_nul_or_control_characters_is_refused_by_the_service(position):
    """The HTTP boundary (lib.nul_guard) refuses NUL first; the service refuses it too, for callers
    that come another way (CLI, imports, WebSocket consumers), and other control characters as well."""
    before = Demand.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.demand_publish(
            actor=_user("enterprise"),
            position=position,
            industry="manufacturing",
            county="500118",
            headcount=1,
            deadline=dt.date.today() + dt.timedelta(days=30),
            skills=[("焊接", 3)],
        )
    assert exc.value.field == "position"
    assert Demand.objects.count() == before
