"""The pairing programme through its services and selectors, on the demo seed (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from educloud.accounts.api import User
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.pairing import access, effect, selectors, services
from educloud.pairing.diagnosis import PUPILS_PER_TEACHER, diagnose
from educloud.pairing.models import JointActivity, Pairing, TeacherDispatch
from educloud.schools.api import SchoolYearStats

pytestmark = pytest.mark.django_db


def user(name: str) -> User:
    return User.objects.get(username=name)


def test_diagnosis_reasons_come_from_the_stored_statistics() -> None:
    bureau = user("cq_bureau")
    d = diagnose(actor=bureau, scope=access.bureau_scope(bureau), year=None, stage="primary")
    assert d.schools and all(s.code.startswith("S50") for s in d.schools)  # 重庆 only
    weak = [s for s in d.schools if s.role == "weak"]
    strong = [s for s in d.schools if s.role == "strong"]
    assert weak and strong
    assert all(s.passes for s in strong)
    assert all(s.reasons for s in weak)
    # A student-teacher ratio reason quotes the stored enrolment / teachers of that school.
    school = next(s for s in d.schools if any(r.startswith("生师比") for r in s.reasons))
    row = SchoolYearStats.objects.get(school__code=school.code, year=d.year, section="primary")
    assert (
        f"生师比 {row.enrolment / row.teachers:.1f} 高于标准 {PUPILS_PER_TEACHER['primary']:g}"
        in school.reasons
    )


def test_match_run_is_optimal_honours_capacity_and_scope_and_explains() -> None:
    bureau = user("cq_bureau")
    run = services.match_run(actor=bureau, stage="primary", capacity=2, max_weak=12)
    pairs = list(run.pairings.select_related("strong__county", "weak__county"))
    assert len(pairs) == run.n_weak == 12  # "exactly one" for each weak school
    assert all(p.status == Pairing.Status.PROPOSED and p.stage == "primary" for p in pairs)
    load: dict[int, int] = {}
    for p in pairs:
        load[p.strong_id] = load.get(p.strong_id, 0) + 1
        assert p.strong.county.province_id == p.weak.county.province_id == "500000"
        assert p.explanation["text"] and "公里" in p.explanation["text"]
    assert max(load.values()) <= 2
    assert run.objective == pytest.approx(sum(p.score for p in pairs))
    assert run.greedy_objective is None or run.objective >= run.greedy_objective - 1e-9
    assert run.created_by == bureau and run.params["solver"].startswith("HiGHS")


def test_must_and_never_are_honoured_and_conflicts_named() -> None:
    bureau = user("cq_bureau")
    first = services.match_run(actor=bureau, stage="primary", capacity=2, max_weak=8)
    pairs = list(first.pairings.select_related("strong", "weak"))
    a, b = pairs[0], pairs[-1]
    never = [(a.strong.code, a.weak.code)]
    must = [(b.strong.code, a.weak.code)] if b.strong_id != a.strong_id else []
    second = services.match_run(actor=bureau, stage="primary", capacity=2, max_weak=8, never=never, must=must)
    chosen = {(p.strong.code, p.weak.code) for p in second.pairings.select_related("strong", "weak")}
    assert never[0] not in chosen
    assert all(m in chosen for m in must)
    assert not Pairing.objects.filter(run=first).exists()  # the earlier proposals were replaced
    # Forbid the weak school every strong school: the conflict names it.
    strong_codes = {s["code"] for s in second.diagnosis["schools"] if s["role"] == "strong"}
    with pytest.raises(InvalidInput) as caught:
        services.match_run(
            actor=bureau,
            stage="primary",
            capacity=2,
            max_weak=8,
            never=[(s, a.weak.code) for s in strong_codes],
        )
    assert caught.value.field == "constraints" and a.weak.name in caught.value.message
    with pytest.raises(InvalidInput, match="同时被设为必须结对和禁止结对"):
        services.match_run(actor=bureau, stage="primary", max_weak=8, must=never, never=never)
    with pytest.raises(InvalidInput) as bad:
        services.match_run(actor=bureau, stage="primary", must=[("NOPE", a.weak.code)])
    assert bad.value.field == "must"


def test_bad_parameters_and_non_bureaus_refused() -> None:
    with pytest.raises(InvalidInput) as e:
        services.match_run(actor=user("cq_bureau"), stage="senior")
    assert e.value.field == "stage"
    with pytest.raises(InvalidInput) as e:
        services.match_run(actor=user("cq_bureau"), stage="primary", capacity=0)
    assert e.value.field == "capacity"
    for name in ("school_admin", "teacher", "student", "enterprise"):
        with pytest.raises(PermissionDenied):
            services.match_run(actor=user(name), stage="primary")


def test_confirm_scopes_and_one_confirmed_partner() -> None:
    cq, sc, office = user("cq_bureau"), user("sc_bureau"), user("joint_office")
    run = services.match_run(actor=cq, stage="primary", capacity=2, max_weak=6)
    pair = run.pairings.first()
    with pytest.raises(PermissionDenied):
        services.pairing_confirm(actor=sc, pairing_id=pair.pk)
    confirmed = services.pairing_confirm(actor=cq, pairing_id=pair.pk, agreement="三年目标")
    assert confirmed.status == "confirmed" and confirmed.confirmed_by == cq and confirmed.started_on
    with pytest.raises(InvalidInput, match="只能确认待确认的结对"):
        services.pairing_confirm(actor=cq, pairing_id=pair.pk)
    other = services.pairing_propose(
        actor=cq, strong_code=pair.strong.code, weak_code=pair.weak.code, stage="primary"
    )
    with pytest.raises(InvalidInput, match="已有确认的结对强校"):
        services.pairing_confirm(actor=office, pairing_id=other.pk)
    with pytest.raises(NotFound):
        services.pairing_confirm(actor=cq, pairing_id=10**9)


def test_cross_border_pair_seen_by_both_provinces_confirmed_by_the_joint_office() -> None:
    cq, sc, office, chengdu = (
        user("cq_bureau"),
        user("sc_bureau"),
        user("joint_office"),
        user("chengdu_bureau"),
    )
    from educloud.schools.api import School

    a = School.objects.filter(is_synthetic=True, stage="primary", county__province_id="500000").first()
    b = School.objects.filter(is_synthetic=True, stage="primary", county__city_id="510100").first()
    with pytest.raises(PermissionDenied):
        services.pairing_propose(actor=cq, strong_code=a.code, weak_code=b.code, stage="primary")
    pair = services.pairing_propose(actor=office, strong_code=a.code, weak_code=b.code, stage="primary")
    assert pair.cross_border and pair.distance_km > 100
    for bureau in (cq, sc, chengdu, office):
        assert selectors.pairing_list(actor=bureau).filter(pk=pair.pk).exists()
    seen_by_yongchuan = selectors.pairing_list(actor=user("yongchuan_bureau")).filter(pk=pair.pk).exists()
    assert seen_by_yongchuan == (a.county_id == "500118")
    for bureau in (cq, sc):
        with pytest.raises(PermissionDenied):
            services.pairing_confirm(actor=bureau, pairing_id=pair.pk)
    assert services.pairing_confirm(actor=office, pairing_id=pair.pk).status == "confirmed"


def _home_pair() -> Pairing:
    home = user("school_admin").roles.get().school
    return Pairing.objects.filter(strong=home, status="confirmed").first()


def test_school_admin_logs_a_dispatch_others_cannot() -> None:
    pair = _home_pair()
    admin = user("school_admin")
    today = dt.date.today()
    d = services.dispatch_log(
        actor=admin,
        pairing_id=pair.pk,
        teacher_name="教师乙（化名）",
        start_on=today,
        end_on=today + dt.timedelta(days=90),
        subjects=["数学", " 科学 "],
        teacher_username="teacher",
    )
    assert d.from_school == pair.strong and d.to_school == pair.weak and d.subjects == ["数学", "科学"]
    assert d.teacher == user("teacher")
    assert selectors.my_dispatches(actor=user("teacher")).filter(pk=d.pk).exists()
    outsiders = [
        n
        for n in ("sc_bureau", "chengdu_bureau", "jintang_bureau")
        if not access.may_log(user(n), pair.strong, pair.weak)
    ]
    assert outsiders
    for name in ("teacher", "student", *outsiders):
        with pytest.raises(PermissionDenied):
            services.dispatch_log(
                actor=user(name),
                pairing_id=pair.pk,
                teacher_name="x",
                start_on=today,
                end_on=today,
                subjects=["数学"],
            )
    with pytest.raises(InvalidInput) as e:
        services.dispatch_log(
            actor=admin,
            pairing_id=pair.pk,
            teacher_name="x",
            start_on=today,
            end_on=today - dt.timedelta(1),
            subjects=["数学"],
        )
    assert e.value.field == "end_on"
    with pytest.raises(InvalidInput) as e:
        services.dispatch_log(
            actor=admin, pairing_id=pair.pk, teacher_name="x", start_on=today, end_on=today, subjects=[]
        )
    assert e.value.field == "subjects"
    with pytest.raises(InvalidInput) as e:
        services.dispatch_log(
            actor=admin,
            pairing_id=pair.pk,
            teacher_name="x",
            start_on=today,
            end_on=today,
            subjects=["数学"],
            teacher_username="student",
        )
    assert e.value.field == "teacher_username"


def test_progress_counts_and_overdue_items() -> None:
    pair = _home_pair()
    admin = user("school_admin")
    before = selectors.progress(pair)
    services.activity_log(
        actor=admin, pairing_id=pair.pk, kind="research", title="逾期的联合教研", on=dt.date(2020, 1, 1)
    )
    services.activity_log(
        actor=admin,
        pairing_id=pair.pk,
        kind="exchange",
        title="已办交流",
        on=dt.date(2020, 1, 2),
        status="done",
    )
    after = selectors.progress(pair)
    assert after.activities == before.activities + 2 and after.activities_done == before.activities_done + 1
    assert any("逾期的联合教研" in o for o in after.overdue) and not any(
        "已办交流" in o for o in after.overdue
    )
    with pytest.raises(InvalidInput) as e:
        services.activity_log(actor=admin, pairing_id=pair.pk, kind="party", title="x", on=dt.date.today())
    assert e.value.field == "kind"
    assert JointActivity.objects.filter(pairing=pair, title="x").count() == 0
    assert TeacherDispatch.objects.filter(pairing=pair).exists()


def test_effect_recovers_the_planted_demo_effect_and_is_bureau_only() -> None:
    report = effect.effect_report(actor=user("joint_office"), metric="math_score", n_boot=199)
    r = report.result
    assert report.synthetic
    assert r.att_ci[0] <= 0.3 <= r.att_ci[1] and r.significant
    assert not r.pretrend_flagged
    assert r.mde > 0 and list(r.cohorts) == [2022, 2023, 2024]
    with pytest.raises(PermissionDenied):
        effect.effect_report(actor=user("school_admin"), metric="math_score")
    with pytest.raises(InvalidInput) as e:
        effect.effect_report(actor=user("joint_office"), metric="nothing")
    assert e.value.field == "metric" and "math_score" in e.value.message


def test_cli_match_and_effect(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("pairing", "match", "--as", "cq_bureau", "--max-weak", "5", "--capacity", "2")
    out = capsys.readouterr().out
    assert "optimal objective" in out and out.count(" -> ") == 5
    call_command("pairing", "effect", "--synthetic", "--effect", "0.3")
    assert "ATT 0.3" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"不是本次诊断.*\[never\]"):
        call_command("pairing", "match", "--as", "cq_bureau", "--never", "X,Y")


def test_goals_and_shared_course_use_by_the_weak_school() -> None:
    from django.utils import timezone

    from educloud.accounts.api import RoleAssignment
    from educloud.library.api import Engagement, Resource

    pair = _home_pair()
    admin = user("school_admin")
    goal = services.goal_add(
        actor=admin, pairing_id=pair.pk, text="骨干教师达标", target="≥1.0", due_on=dt.date(2020, 1, 1)
    )
    assert any("骨干教师达标" in o for o in selectors.progress(pair).overdue)
    with pytest.raises(InvalidInput) as e:
        services.goal_add(actor=admin, pairing_id=pair.pk, text=" ", target="", due_on=dt.date.today())
    assert e.value.field == "text"
    resource = Resource.objects.filter(status="published", visibility="public").first()
    course = services.course_share(actor=admin, pairing_id=pair.pk, resource_id=resource.pk)
    assert (
        services.course_share(actor=admin, pairing_id=pair.pk, resource_id=resource.pk) == course
    )  # idempotent
    before = dict((c.pk, n) for c, n in selectors.course_uses(pair))[course.pk]
    weak_member = RoleAssignment.objects.filter(school=pair.weak).first()
    strong_member = RoleAssignment.objects.filter(school=pair.strong).first()
    now = timezone.now()
    rows = [Engagement(kind="view", user=weak_member.user, resource=resource, at=now)] if weak_member else []
    rows += [
        Engagement(kind="download", user=strong_member.user, resource=resource, at=now)
    ]  # not the weak school
    Engagement.objects.bulk_create(rows)
    after = dict((c.pk, n) for c, n in selectors.course_uses(pair))[course.pk]
    assert after == before + (1 if weak_member else 0)
    assert goal.pk and selectors.progress(pair).courses >= 1
    with pytest.raises(NotFound):
        services.course_share(actor=admin, pairing_id=pair.pk, resource_id=10**12)
