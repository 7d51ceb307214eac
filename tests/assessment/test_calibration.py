"""Calibration from stored responses: the stored run, drift after linking, the CLI, and refusals."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from educloud.assessment import selectors, services
from educloud.assessment.models import CalibratedItem, Calibration
from educloud.learning.models import Item, KnowledgePoint, Response
from educloud.lib.errors import InvalidInput, PermissionDenied

from .conftest import open_test, user

pytestmark = pytest.mark.django_db


def test_the_demo_bank_is_calibrated_and_labelled_synthetic():
    c = Calibration.objects.get(is_synthetic=True)
    assert c.converged and c.model == "2PL" and c.n_items >= 40 and c.n_persons > 200
    rows = list(c.items.all())
    assert all(r.a > 0 and r.n_responses >= services.MIN_RESPONSES for r in rows)
    # Easier items (answered correctly more often) have lower difficulty b: a strong rank agreement.
    from scipy.stats import spearmanr

    rho = spearmanr([r.p_correct for r in rows], [r.b for r in rows]).statistic
    assert rho < -0.8


def test_a_planted_shift_of_one_item_is_flagged_as_drift_after_linking():
    base = Calibration.objects.get(is_synthetic=True)
    target = base.items.order_by("-n_responses").first()
    # Plant: most students now fail the item (its difficulty moves up by far more than the threshold).
    ids = list(Response.objects.filter(item_id=target.item_id).values_list("pk", flat=True))
    Response.objects.filter(pk__in=ids[: int(len(ids) * 0.9)]).update(correct=False)
    new = services.calibration_run(actor=user("joint_office"), subject="数学", stage="junior")
    assert new.previous_id == base.pk and new.link_a is not None
    flagged = list(new.items.filter(drifted=True).values_list("item_id", flat=True))
    assert target.item_id in flagged
    assert len(flagged) <= 3  # the others stay put
    assert new.items.get(item_id=target.item_id).drift > services.DRIFT_THRESHOLD


def test_an_item_without_a_key_stops_calibration_and_test_creation_naming_it():
    item = Item.objects.filter(code__startswith="MJ-03").first()
    Item.objects.filter(pk=item.pk).update(answer="")
    with pytest.raises(InvalidInput, match=item.code) as exc:
        services.calibration_run(actor=None, subject="数学", stage="junior")
    assert exc.value.field == "items"
    with pytest.raises(InvalidInput, match=item.code):
        services.adaptive_test_create(
            actor=None, spec=services.TestSpec(title="缺答案", audience_level="circle")
        )
    with pytest.raises(CommandError, match=item.code):
        call_command("irt", "calibrate", "--subject", "数学", "--stage", "junior")


def test_a_test_with_no_eligible_item_is_refused():
    physics = KnowledgePoint.objects.filter(subject="物理").first()
    with pytest.raises(InvalidInput, match="没有可用的题目") as exc:
        services.adaptive_test_create(
            actor=None,
            spec=services.TestSpec(title="物理", audience_level="circle", content={physics.code: 1.0}),
        )
    assert exc.value.field == "content"
    with pytest.raises(InvalidInput, match="不存在"):
        services.adaptive_test_create(
            actor=None, spec=services.TestSpec(title="x", audience_level="circle", content={"NO-SUCH": 1.0})
        )
    with pytest.raises(InvalidInput, match="还没有收敛的标定"):
        services.adaptive_test_create(
            actor=None, spec=services.TestSpec(title="x", audience_level="circle", subject="物理")
        )


def test_too_few_responses_and_bad_models_are_refused():
    with pytest.raises(InvalidInput, match="作答数据不足"):
        services.calibration_run(actor=None, subject="数学", stage="junior", year=2001)
    with pytest.raises(InvalidInput, match="模型"):
        services.calibration_run(actor=None, subject="数学", stage="junior", model="4PL")
    with pytest.raises(PermissionDenied):
        services.calibration_run(actor=user("teacher"), subject="数学", stage="junior")


def test_cli_calibrates_and_lists(capsys):
    call_command("irt", "calibrate", "--model", "1PL", "--year", "2026")
    out = capsys.readouterr().out
    assert "1PL" in out and "converged=True" in out
    c = Calibration.objects.latest("pk")
    assert c.model == "1PL" and c.year == 2026 and c.previous is None  # no earlier 1PL run to link to
    assert len({round(r.a, 6) for r in c.items.all()}) == 1  # one common slope
    call_command("irt", "list")
    assert f"#{c.pk} 数学/junior 1PL year=2026" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--year"):
        call_command("irt", "calibrate", "--year", "99999")


def test_occasions_on_two_calibrations_are_linked_by_their_anchor_items():
    base = open_test().calibration
    # A second calibration on another scale: θ_new = (θ_old − B) / A, so b_new = (b_old − B) / A.
    a_true, b_true = 1.25, -0.4
    other = Calibration.objects.create(
        subject="数学", stage="junior", model="2PL", n_responses=1, n_persons=1, n_items=1, converged=True
    )
    CalibratedItem.objects.bulk_create(
        [
            CalibratedItem(
                calibration=other,
                item_id=r.item_id,
                a=r.a * a_true,
                d=-(r.a * a_true) * ((r.b - b_true) / a_true),
                n_responses=r.n_responses,
                p_correct=r.p_correct,
            )
            for r in base.items.all()[:10]
        ]
    )
    a_link, b_link, n = selectors.occasion_link(base, other)
    assert n == 10 and a_link == pytest.approx(a_true) and b_link == pytest.approx(b_true)
    lonely = Calibration.objects.create(
        subject="数学", stage="junior", model="2PL", n_responses=1, n_persons=1, n_items=0, converged=True
    )
    with pytest.raises(InvalidInput, match="锚题"):
        selectors.occasion_link(base, lonely)
