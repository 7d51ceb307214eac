"""Recommendations and learning paths through the services, on the demo seed (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from educloud.accounts.api import PersonalDataAccess, StudentProfile
from educloud.learning import api as learning_api
from educloud.lib.errors import InvalidInput, NotFound, PermissionDenied
from educloud.library import api as library_api
from educloud.recommend import artefact, selectors, services
from educloud.recommend.models import LearnerCandidates, RecommenderModel
from tests.recommend.conftest import new_student, sichuan_student, user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who", ["student", "teacher", "yongchuan_bureau", "sc_bureau", "sichuan_student", "enterprise"]
)
def test_nothing_outside_the_library_visibility_is_recommended(who: str) -> None:
    actor = sichuan_student() if who == "sichuan_student" else user(who)
    recs = selectors.recommendations(actor=actor, k=selectors.K_MAX)
    assert recs.items, who
    ids = [r.resource_id for r in recs.items]
    visible = set(library_api.visible_resources(actor).filter(pk__in=ids).values_list("pk", flat=True))
    assert set(ids) <= visible
    uncached = selectors.recommendations(actor=actor, k=selectors.K_MAX, cached=False)
    assert {r.resource_id for r in uncached.items} <= set(
        library_api.visible_resources(actor).values_list("pk", flat=True)
    )


def test_province_only_resources_of_sichuan_never_reach_a_chongqing_student_even_on_weak_points() -> None:
    student = user("student")
    hidden = library_api.Resource.objects.filter(title__startswith="【四川】", visibility="province")
    assert hidden.exists()
    # Narrowing happens after the fit too: make one of the student's weak-point resources province-only.
    recs = selectors.recommendations(actor=student, k=selectors.K_MAX)
    mine = [r for r in recs.items if r.point]
    assert mine
    library_api.Resource.objects.filter(pk=mine[0].resource_id).update(
        visibility="province", province_code="510000", school_code="51000099999"
    )
    again = selectors.recommendations(actor=student, k=selectors.K_MAX)
    shown = {r.resource_id for r in again.items}
    assert mine[0].resource_id not in shown
    assert not shown & set(hidden.values_list("pk", flat=True))


def test_weakest_unlocked_points_first_with_explanations() -> None:
    student = user("student")
    recs = selectors.recommendations(actor=student, k=10)
    assert recs.weak_points
    mastery = dict(
        learning_api.StudentMastery.objects.filter(student=student).values_list(
            "knowledge_point__name", "p_mastery"
        )
    )
    on_points = [r for r in recs.items if r.point]
    assert on_points and recs.items[: len(on_points)] == on_points  # mastery-aware items lead
    names = dict(learning_api.KnowledgePoint.objects.values_list("name", "pk"))
    priors = learning_api.skill_params(list(names.values()))
    values = [mastery.get(r.point, priors[names[r.point]]["prior"]) for r in on_points]
    assert values == [r.point_mastery for r in on_points]
    assert values == sorted(values)  # weakest first
    assert any("掌握度" in reason for reason in on_points[0].reasons)
    # Each such point is unlocked: its prerequisites are at least READY.
    for r in on_points:
        kp = learning_api.KnowledgePoint.objects.get(name=r.point)
        pres = learning_api.prerequisite_pairs([kp])
        for a, _ in pres:
            p = (
                learning_api.StudentMastery.objects.filter(student=student, knowledge_point_id=a)
                .values_list("p_mastery", flat=True)
                .first()
            )
            prior = learning_api.skill_params([a])[a]["prior"]
            assert (p if p is not None else prior) >= learning_api.READY
    assert all(r.reasons for r in recs.items)


def test_cached_and_on_the_fly_recommendations_agree() -> None:
    for name in ("student", "teacher"):
        actor = user(name)
        cached = selectors.recommendations(actor=actor, k=10)
        fly = selectors.recommendations(actor=actor, k=10, cached=False)
        assert [r.resource_id for r in cached.items] == [r.resource_id for r in fly.items]


def test_refit_is_idempotent_and_keeps_one_current_model() -> None:
    first = RecommenderModel.objects.get(is_current=True)
    report = services.recommender_fit()
    assert not report.created and report.model_id == first.pk
    forced = services.recommender_fit(force=True)
    assert forced.created and forced.model_id != first.pk
    assert RecommenderModel.objects.count() == 1
    assert LearnerCandidates.objects.filter(model_id=forced.model_id).count() == forced.n_candidates > 0


def test_cold_start_learner_gets_school_and_stage_recommendations() -> None:
    school = StudentProfile.objects.get(user__username="student").school
    fresh = new_student(school=school, grade=5)
    recs = selectors.recommendations(actor=fresh, k=10)
    assert recs.items
    reasons = {reason for r in recs.items for reason in r.reasons}
    assert reasons & {"同校同学常看", "同学段同学常看"}


def test_a_new_resource_from_the_other_province_is_surfaced() -> None:
    author = library_api.Resource.objects.filter(title__startswith="【四川】").first().owner
    import io

    r = library_api.resource_create_with_file(
        actor=author,
        fileobj=io.BytesIO("# 新资源\n".encode()),
        filename="a.md",
        title="四川新发布：有理数复习",
        type="document",
        subject="math",
        stage="primary",
        license="cc-by",
        visibility="circle",
    )
    library_api.resource_submit(actor=author, resource_id=r.pk)
    library_api.resource_approve(actor=user("sc_bureau"), resource_id=r.pk)
    services.recommender_fit()
    recs = selectors.recommendations(actor=user("student"), k=selectors.K_MAX)
    found = [x for x in recs.items if x.resource_id == r.pk]
    assert found and "来自四川省的新资源" in found[0].reasons


def test_k_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        selectors.recommendations(actor=user("student"), k=0)
    assert info.value.field == "k"


# ------------------------------------------------------------------------------------ paths


def _answer_right(item) -> str:  # type: ignore[no-untyped-def]
    return learning_api.answer_display(item)


def test_path_plans_in_prerequisite_order_and_moves_on_after_answers() -> None:
    student = user("student")
    path = services.student_path_start(actor=student, targets=["MJ-24"])
    planned = selectors.path_plan(actor=student, path=path)
    order = [s.code for s in planned.steps]
    pairs = learning_api.prerequisite_pairs(list(learning_api.KnowledgePoint.objects.filter(code__in=order)))
    codes = dict(learning_api.KnowledgePoint.objects.values_list("pk", "code"))
    pos = {c: i for i, c in enumerate(order)}
    assert all(pos[codes[a]] < pos[codes[b]] for a, b in pairs if codes[a] in pos and codes[b] in pos)
    assert order[-1] == "MJ-24" and all(s.mastery < learning_api.MASTERED for s in planned.steps)
    first = planned.current
    assert first is not None and first.resources  # shared resources on the step
    for r in first.resources:
        library_api.resource_get(actor=student, resource_id=r.resource_id)  # visible, or NotFound
    for _ in range(12):
        planned = selectors.path_plan(actor=student, path=path)
        if planned.current is None or planned.current.code != first.code:
            break
        item = planned.practice_item
        outcome = services.path_answer(
            actor=student, path_id=path.pk, item_id=item.pk, answer=_answer_right(item)
        )
        assert outcome.correct and outcome.after >= outcome.before
    after = selectors.path_plan(actor=student, path=path)
    assert first.code not in [s.code for s in after.steps]  # mastered: the path moved on
    assert after.done > 0


def test_answers_outside_the_current_step_are_refused() -> None:
    student = user("student")
    path = services.student_path_start(actor=student, targets=["MJ-24"])
    current = selectors.path_plan(actor=student, path=path).current
    other = learning_api.Item.objects.exclude(knowledge_points__code=current.code).first()
    with pytest.raises(InvalidInput) as info:
        services.path_answer(actor=student, path_id=path.pk, item_id=other.pk, answer="A")
    assert info.value.field == "item"


def test_bad_targets() -> None:
    student = user("student")
    with pytest.raises(NotFound) as info:
        services.student_path_start(actor=student, targets=["NOPE-99"])
    assert info.value.field == "targets" and "NOPE-99" in info.value.message
    with pytest.raises(InvalidInput, match="同一个知识图谱"):
        services.student_path_start(actor=student, targets=["MJ-01", "PJ-01"])
    with pytest.raises(InvalidInput):
        services.student_path_start(actor=student, targets=[])
    # Already mastered.
    kp = learning_api.KnowledgePoint.objects.get(code="MJ-06")
    learning_api.StudentMastery.objects.update_or_create(
        student=student, knowledge_point=kp, defaults={"p_mastery": 0.99, "n_responses": 9}
    )
    with pytest.raises(InvalidInput, match="已经掌握") as info:
        services.student_path_start(actor=student, targets=["MJ-06"])
    assert info.value.field == "targets"


def test_a_cyclic_graph_is_refused_with_the_cycle_named() -> None:
    from educloud.learning.models import KnowledgePoint, Prerequisite

    a, b = KnowledgePoint.objects.get(code="MJ-01"), KnowledgePoint.objects.get(code="MJ-02")
    Prerequisite.objects.create(prerequisite=b, point=a)  # MJ-01 -> MJ-02 exists: now a cycle
    with pytest.raises(InvalidInput, match="循环") as info:
        services.student_path_start(actor=user("student"), targets=["MJ-05"])
    assert info.value.field == "targets" and "有理数" in info.value.message


def test_a_student_cannot_see_another_students_path_and_teachers_have_no_paths() -> None:
    path = services.student_path_start(actor=user("student"), targets=["MJ-24"])
    other = (
        StudentProfile.objects.filter(
            school__code=StudentProfile.objects.get(user__username="student").school.code
        )
        .exclude(user__username="student")
        .first()
        .user
    )
    with pytest.raises(NotFound):
        services.student_path_get(actor=other, path_id=path.pk)
    with pytest.raises(NotFound):
        selectors.path_plan(actor=other, path=path)
    with pytest.raises(PermissionDenied):
        services.student_path_start(actor=user("teacher"), targets=["MJ-24"])


# ------------------------------------------------------------------------------------ classes


def _class_of(username: str) -> tuple[str, int, str]:
    sp = StudentProfile.objects.select_related("school").get(user__username=username)
    return sp.school.code, sp.grade, sp.class_label


def test_class_recommendations_aggregate_weak_points_and_are_audited() -> None:
    school, grade, label = _class_of("student")
    before = PersonalDataAccess.objects.count()
    recs = selectors.class_recommendations(
        actor=user("teacher"), school_code=school, grade=grade, class_label=label
    )
    assert PersonalDataAccess.objects.count() == before + 1
    assert recs.weak_points and recs.items
    teacher_students = library_api.visible_resources(user("student"))
    assert {r.resource_id for r in recs.items} <= set(teacher_students.values_list("pk", flat=True))
    assert any("全班在" in reason for r in recs.items for reason in r.reasons)
    with pytest.raises(PermissionDenied):
        selectors.class_recommendations(
            actor=user("student"), school_code=school, grade=grade, class_label=label
        )
    with pytest.raises(PermissionDenied):
        selectors.class_recommendations(
            actor=user("yongchuan_bureau"), school_code=school, grade=grade, class_label=label
        )


def test_assignment_progress_per_student_and_suppressed_for_small_classes() -> None:
    school, grade, label = _class_of("student")
    teacher = user("teacher")
    a = services.path_assign(
        actor=teacher, school_code=school, grade=grade, class_label=label, targets=["MJ-21"]
    )
    path = services.assignment_follow(actor=user("student"), assignment_id=a.pk)
    assert (
        path.assignment_id == a.pk
        and services.assignment_follow(actor=user("student"), assignment_id=a.pk).pk == path.pk
    )
    prog = selectors.assignment_progress(actor=teacher, assignment_id=a.pk)
    n = StudentProfile.objects.filter(school__code=school, grade=grade, class_label=label).count()
    assert len(prog.students) == n
    assert all(0 <= s.done <= s.total for s in prog.students)
    assert prog.suppressed == (n < 5)
    # A class of two: no aggregates.
    sch = StudentProfile.objects.get(user__username="student").school
    new_student(school=sch, grade=grade, class_label="小班", name="rec_a")
    new_student(school=sch, grade=grade, class_label="小班", name="rec_b")
    small = services.path_assign(
        actor=teacher, school_code=school, grade=grade, class_label="小班", targets=["MJ-21"]
    )
    p = selectors.assignment_progress(actor=teacher, assignment_id=small.pk)
    assert p.suppressed and p.n_complete is None and p.mean_percent is None and p.at_step == []
    with pytest.raises(PermissionDenied):
        selectors.assignment_progress(actor=user("student"), assignment_id=a.pk)
    with pytest.raises(NotFound):
        services.path_assign(
            actor=teacher, school_code=school, grade=grade, class_label="没有这个班", targets=["MJ-21"]
        )


def test_xapi_completions_from_other_systems_are_training_events_once() -> None:
    from educloud.lrs import api as lrs_api

    student = user("student")
    resource = library_api.Resource.objects.filter(status="published", visibility="public").first()
    pair = (student.pk, resource.pk)
    before = [e for e in services.training_data()["events"] if (e[0], e[1]) == pair]
    lrs_api.statement_record_internal(  # as Moodle or H5P would send it: no library event
        actor_user=student,
        verb={"id": services.COMPLETED, "display": {"zh-CN": "完成"}},
        object_id=f"https://moodle.example.cn/mod/url/library/resources/{resource.uid}",
        object_name=resource.title,
        result={"completion": True},
    )
    after = [e for e in services.training_data()["events"] if (e[0], e[1]) == pair]
    assert len(after) == len(before) + 1 and after[-1][2] == 4.0
    # The platform's own completion is a library event: its Statement is not counted a second time.
    library_api.resource_complete(actor=student, resource=resource)
    again = [e for e in services.training_data()["events"] if (e[0], e[1]) == pair]
    assert len(again) == len(before) + 1 and sorted(e[2] for e in again).count(4.0) == 1 + sorted(
        e[2] for e in before
    ).count(4.0)


def test_the_next_resource_component_learns_from_the_order_resources_were_taken() -> None:
    """Learners who took A then B, and others who took C then A: A co-occurs with B and with C alike,
    but only B follows A. A learner whose latest resource is A gets B ahead of C — from the cached
    candidates and on the fly — which only the order of the events (``at``) can tell."""
    from datetime import timedelta

    from django.utils import timezone

    school = StudentProfile.objects.get(user__username="student").school
    a, b, c = library_api.Resource.objects.filter(status="published", visibility="public").order_by("pk")[:3]
    t0 = timezone.now() - timedelta(days=10)

    def took(u, *resources) -> None:  # type: ignore[no-untyped-def]
        for i, r in enumerate(resources):
            library_api.Engagement.objects.create(kind="view", user=u, resource=r, at=t0 + timedelta(hours=i))

    for i in range(12):
        took(new_student(school=school, name=f"seq_ab{i}"), a, b)
        took(new_student(school=school, name=f"seq_ca{i}"), c, a)
    probe = new_student(school=school, name="seq_probe")
    took(probe, a)
    report = services.recommender_fit(force=True)
    assert report.created
    loaded = artefact.current()
    assert loaded is not None
    art = loaded[1]
    t = art.model.transitions_
    assert t is not None
    assert t[art.item_col[a.pk], art.item_col[b.pk]] > 0
    assert t[art.item_col[a.pk], art.item_col[c.pk]] == 0
    for cached in (True, False):
        ranked = [
            r.resource_id
            for r in selectors.recommendations(actor=probe, k=selectors.K_MAX, cached=cached).items
        ]
        assert b.pk in ranked, cached
        assert c.pk not in ranked or ranked.index(b.pk) < ranked.index(c.pk), cached
