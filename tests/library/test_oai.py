"""The OAI-PMH 2.0 provider at /oai, through Django's test client: verbs, arguments, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from educloud.library import oai
from educloud.library.models import Resource

pytestmark = pytest.mark.django_db
NS = {"o": oai.OAI_NS, "dc": oai.DC_NS, "oai_dc": oai.OAI_DC_NS}


def _get(client, **params) -> ET.Element:
    response = client.get("/oai", params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    return _parse(response.content)


def _parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 — our own provider's response


def _error(root: ET.Element) -> str | None:
    error = root.find("o:error", NS)
    return None if error is None else error.get("code")


def _exposed():
    return Resource.objects.filter(oai_exposed=True, harvest_source__isnull=True)


def test_identify(client):
    root = _get(client, verb="Identify")
    ident = root.find("o:Identify", NS)
    assert ident.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert ident.findtext("o:baseURL", namespaces=NS) == "http://testserver/oai"
    assert ident.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.find("o:request", NS).get("verb") == "Identify"


def test_list_metadata_formats_and_sets(client):
    formats = _get(client, verb="ListMetadataFormats")
    assert [e.text for e in formats.iter(f"{{{oai.OAI_NS}}}metadataPrefix")] == ["oai_dc"]
    sets = [e.text for e in _get(client, verb="ListSets").iter(f"{{{oai.OAI_NS}}}setSpec")]
    assert {"province", "province:500000", "province:510000", "subject", "subject:math"} <= set(sets)
    assert _error(_get(client, verb="ListSets", resumptionToken="x")) == "badResumptionToken"


def test_get_record_in_oai_dc_with_codes_and_labels(client):
    resource = _exposed().filter(status="published", visibility="public").first()
    root = _get(client, verb="GetRecord", identifier=oai.oai_identifier(resource), metadataPrefix="oai_dc")
    record = root.find("o:GetRecord/o:record", NS)
    assert record.findtext("o:header/o:identifier", namespaces=NS) == oai.oai_identifier(resource)
    assert f"province:{resource.province_code}" in [e.text for e in record.findall("o:header/o:setSpec", NS)]
    dc = record.find("o:metadata/oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == resource.title
    subjects = [e.text for e in dc.findall("dc:subject", NS)]
    assert resource.subject_label in subjects and f"info:educloud/subject/{resource.subject}" in subjects
    assert "info:educloud/visibility/public" in [e.text for e in dc.findall("dc:rights", NS)]
    assert dc.findtext("dc:identifier", namespaces=NS).endswith(f"/library/r/{resource.pk}/")


def test_restricted_and_draft_resources_are_not_published(client, make_resource):
    draft = make_resource(visibility="public")
    school_only = make_resource(status="published", visibility="school", license="school_only")
    for resource in (draft, school_only):
        root = _get(
            client, verb="GetRecord", identifier=oai.oai_identifier(resource), metadataPrefix="oai_dc"
        )
        assert _error(root) == "idDoesNotExist"


def test_withdrawn_or_narrowed_records_become_deleted_records(client, make_resource):
    from educloud.library import services

    from .conftest import user

    withdrawn = make_resource(status="withdrawn", visibility="circle")
    narrowed = make_resource(status="published", visibility="public")
    services.resource_update(actor=user("teacher"), resource_id=narrowed.pk, changes={"visibility": "county"})
    for resource in (withdrawn, narrowed):
        root = _get(
            client, verb="GetRecord", identifier=oai.oai_identifier(resource), metadataPrefix="oai_dc"
        )
        header = root.find("o:GetRecord/o:record/o:header", NS)
        assert header.get("status") == "deleted"
        assert root.find("o:GetRecord/o:record/o:metadata", NS) is None


def test_list_records_pages_with_resumption_tokens_to_the_complete_list(client, settings):
    settings.EDUCLOUD_OAI_PAGE_SIZE = 200
    expected = _exposed().filter(province_code="510000").count()
    seen: list[str] = []
    root = _get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="province:510000")
    cursor_values = []
    while True:
        body = root.find("o:ListIdentifiers", NS)
        seen += [h.findtext("o:identifier", namespaces=NS) for h in body.findall("o:header", NS)]
        token = body.find("o:resumptionToken", NS)
        if token is None or not token.text:
            break
        assert token.get("completeListSize") == str(expected)
        cursor_values.append(int(token.get("cursor")))
        root = _get(client, verb="ListIdentifiers", resumptionToken=token.text)
    assert len(seen) == len(set(seen)) == expected > 400
    assert cursor_values == list(range(0, len(cursor_values) * 200, 200))


def test_from_until_are_inclusive_at_second_and_day_granularity(client, make_resource):
    resource = make_resource(status="published", visibility="public")
    stamp = oai.datestamp(resource.modified_at)
    day = stamp[:10]
    ids = lambda root: [e.text for e in root.iter(f"{{{oai.OAI_NS}}}identifier")]  # noqa: E731
    assert oai.oai_identifier(resource) in ids(
        _get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": stamp, "until": stamp})
    )
    assert oai.oai_identifier(resource) in ids(
        _get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day, "until": day})
    )
    later = oai.datestamp(resource.modified_at + timedelta(seconds=1))
    after = _get(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": later})
    assert oai.oai_identifier(resource) not in ids(after)
    future = oai.datestamp(timezone.now() + timedelta(days=2))
    assert (
        _error(_get(client, verb="ListRecords", metadataPrefix="oai_dc", **{"from": future}))
        == "noRecordsMatch"
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "Identify", "set": "x"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-45"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01T00:00:00"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-02-01", "until": "2026-01-01"},
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-01-01",
                "until": "2026-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "abc", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "marc21", "identifier": "oai:x:y"},
            "cannotDisseminateFormat",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere:1"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:educloud.local:not-a-uuid"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "province:110000"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "resumptionToken": "forged-token"}, "badResumptionToken"),
    ],
)
def test_protocol_errors(client, params, code):
    root = _get(client, **params)
    assert _error(root) == code
    if code in ("badVerb", "badArgument"):
        assert not root.find("o:request", NS).attrib  # the protocol says: no attributes then


def test_repeated_arguments_are_bad(client):
    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert _error(_parse(response.content)) == "badArgument"
    response = client.get("/oai?verb=Identify&verb=Identify")
    assert _error(_parse(response.content)) == "badVerb"


def test_tampered_or_cross_verb_tokens_are_refused(client, settings):
    settings.EDUCLOUD_OAI_PAGE_SIZE = 10
    root = _get(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = root.find("o:ListIdentifiers/o:resumptionToken", NS).text
    assert _error(_get(client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    assert (
        _error(_get(client, verb="ListIdentifiers", resumptionToken=token[:-2] + "xx"))
        == "badResumptionToken"
    )
    assert _error(_get(client, verb="ListIdentifiers", resumptionToken=token)) is None


def test_post_requests_are_answered_too(client):
    response = client.post("/oai", {"verb": "Identify"})
    root = _parse(response.content)
    assert response.status_code == 200 and root.find("o:Identify", NS) is not None
