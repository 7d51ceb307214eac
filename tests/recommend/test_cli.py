"""``educloud recommend_fit``: idempotent refit, JSON output, bad hyperparameters."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from educloud.recommend.models import RecommenderModel

pytestmark = pytest.mark.django_db


def test_refit_on_unchanged_data_changes_nothing() -> None:
    current = RecommenderModel.objects.get(is_current=True).pk
    out = StringIO()
    call_command("recommend_fit", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["created"] is False and report["model_id"] == current
    out = StringIO()
    call_command("recommend_fit", "--force", "--param", "factors=8", stdout=out)
    assert "fitted" in out.getvalue()
    assert RecommenderModel.objects.get(is_current=True).params == {"factors": 8}


@pytest.mark.parametrize("param", ["factors=0", "nonsense=1", "novalue"])
def test_bad_hyperparameters_end_with_a_message(param: str) -> None:
    with pytest.raises(CommandError) as info:
        call_command("recommend_fit", "--force", "--param", param)
    assert info.value.returncode == 2
