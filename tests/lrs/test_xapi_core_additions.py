"""Additions to the xAPI core made while building the LRS: batch flag, cheap copies, cached checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from educloud.lrs.xapi import parse_statement_request, prepare_statement
from educloud.lrs.xapi.iri import is_iri
from educloud.lrs.xapi.langtag import is_language_tag
from educloud.lrs.xapi.normalize import copy_json
from tests.lrs import xapi_examples as ex

AUTHORITY = {"objectType": "Agent", "mbox": "mailto:lrs@example.com"}
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_statement_request_says_whether_the_body_was_an_array() -> None:
    one = parse_statement_request(json.dumps(ex.simple()).encode(), "application/json")
    many = parse_statement_request(json.dumps([ex.simple()]).encode(), "application/json")
    assert (one.is_batch, many.is_batch) == (False, True)
    assert one.statements == many.statements


def test_copy_json_is_deep_and_equal() -> None:
    original = ex.long()
    copied = copy_json(original)
    assert copied == original
    copied["actor"]["member"][0]["name"] = "changed"
    assert original["actor"]["member"][0]["name"] != "changed"


def test_prepare_never_modifies_its_input_even_when_normalising_context() -> None:
    sent = ex.long()
    sent["context"]["contextActivities"]["parent"] = {"id": "http://example.com/p"}
    snapshot = json.dumps(sent, sort_keys=True)
    prepared = prepare_statement(sent, authority=AUTHORITY, stored_at=NOW)
    assert prepared["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/p"}]
    assert json.dumps(sent, sort_keys=True) == snapshot
    prepared["authority"]["mbox"] = "mailto:other@example.com"
    assert AUTHORITY["mbox"] == "mailto:lrs@example.com"


def test_cached_checks_still_reject_non_strings_and_bad_values() -> None:
    for _ in range(2):  # second round answers from the cache
        assert is_iri("http://example.com/a") and not is_iri("not an iri")
        assert is_language_tag("zh-CN") and not is_language_tag("zh_CN")
    assert not is_iri({"id": "http://example.com"}) and not is_language_tag(["en"])
