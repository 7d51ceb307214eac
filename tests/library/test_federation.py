"""Two nodes over real HTTP: a 四川 node (``educloud demo`` in its own EDUCLOUD_HOME and SQLite
database, its own OAI node id) and this test database as the 重庆 node that harvests it.

Also drives the 四川 node's provider with the ``sickle`` OAI client. The node (``sichuan_node`` in
conftest) starts once per session, as soon as collection shows a test needs it, so its demo seed
overlaps this process's own database setup.
"""

from __future__ import annotations

import pytest
import requests
from django.core.management import CommandError, call_command
from sickle import Sickle, oaiexceptions

from educloud.accounts.api import DEMO_PASSWORD
from educloud.lib.errors import PermissionDenied
from educloud.library import harvest as harvest_module
from educloud.library import oai, selectors, services
from educloud.library.harvest import harvest_run
from educloud.library.models import HarvestSource, Resource

from .conftest import NODE_PAGE as PAGE
from .conftest import SC_NODE_ID, _free_port, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sichuan(sichuan_node: str) -> str:
    return sichuan_node


def _sichuan_shared_count() -> int:
    """Records the 四川 node publishes in set province:510000 (same seed as this database)."""
    return Resource.objects.filter(
        oai_exposed=True, harvest_source__isnull=True, province_code="510000"
    ).count()


def test_sickle_reads_the_provider(sichuan):
    client = Sickle(sichuan + "/oai")
    identify = client.Identify()
    assert identify.repositoryName == "四川节点（测试）" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert [f.metadataPrefix for f in client.ListMetadataFormats()] == ["oai_dc"]
    assert "province:510000" in [s.setSpec for s in client.ListSets()]
    headers = list(client.ListIdentifiers(metadataPrefix="oai_dc", set="province:510000"))
    assert len(headers) == len({h.identifier for h in headers}) == _sichuan_shared_count() > PAGE
    assert all(h.identifier.startswith(f"oai:{SC_NODE_ID}:") for h in headers)
    deleted = [h for h in headers if h.deleted]
    assert deleted, "the demo has withdrawn public resources, announced as deleted"
    live = next(h for h in headers if not h.deleted)
    record = client.GetRecord(identifier=live.identifier, metadataPrefix="oai_dc")
    assert record.metadata["title"] and "info:educloud/province/510000" in record.metadata["coverage"]
    records = client.ListRecords(metadataPrefix="oai_dc", set="subject:math", ignore_deleted=True)
    first = next(records)
    assert "info:educloud/subject/math" in first.metadata["subject"]


def test_sickle_sees_the_protocol_errors(sichuan):
    client = Sickle(sichuan + "/oai")
    with pytest.raises(oaiexceptions.CannotDisseminateFormat):
        next(client.ListRecords(metadataPrefix="marc21"))
    with pytest.raises(oaiexceptions.IdDoesNotExist):
        client.GetRecord(
            identifier=f"oai:{SC_NODE_ID}:00000000-0000-4000-8000-000000000000", metadataPrefix="oai_dc"
        )
    with pytest.raises(oaiexceptions.BadResumptionToken):
        next(client.ListRecords(resumptionToken="forged"))
    with pytest.raises(oaiexceptions.NoRecordsMatch):
        next(client.ListRecords(metadataPrefix="oai_dc", **{"from": "2099-01-01"}))
    with pytest.raises(oaiexceptions.BadArgument):
        next(client.ListRecords(metadataPrefix="oai_dc", **{"from": "not-a-date"}))
    raw = client.harvest(verb="Harvest").raw
    assert 'code="badVerb"' in raw


def _withdraw_on_sichuan(base: str) -> str:
    """Log in to the 四川 node as its provincial bureau and withdraw one public resource there."""
    session = requests.Session()
    session.get(base + "/login/", timeout=10)
    session.post(
        base + "/login/",
        data={
            "username": "sc_bureau",
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=10,
    ).raise_for_status()
    listed = session.get(
        base + "/api/v1/library/resources?province_code=510000&page_size=1", timeout=10
    ).json()
    target = listed["items"][0]
    response = session.post(
        f"{base}/api/v1/library/resources/{target['id']}/withdraw",
        json={"note": "内容需要更新"},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(target["uid"])


def test_chongqing_harvests_sichuan_incrementally_idempotently_and_resumes(sichuan, monkeypatch):
    url = sichuan + "/oai"
    expected = _sichuan_shared_count()
    remote = Resource.objects.filter(harvest_source__base_url=url)

    # 1. Stopped after two pages (as a crash between pages would): the place is saved.
    first = harvest_run(base_url=url, set_spec="province:510000", max_pages=2)
    source = HarvestSource.objects.get(base_url=url, set_spec="province:510000")
    assert first.pages == 2 and not first.complete and source.resumption_token
    assert remote.count() == first.created == 2 * PAGE - first.unchanged

    # 2. A failure in the middle of page 3: that page rolls back, the saved place stays.
    calls = {"n": 0}
    real_import = harvest_module._import_record

    def failing_import(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 40:
            raise ConnectionError("网络中断（模拟）")
        return real_import(*args, **kwargs)

    monkeypatch.setattr(harvest_module, "_import_record", failing_import)
    token_before = source.resumption_token
    with pytest.raises(ConnectionError):
        harvest_run(base_url=url, set_spec="province:510000")
    source.refresh_from_db()
    assert remote.count() == first.created and source.resumption_token == token_before
    monkeypatch.setattr(harvest_module, "_import_record", real_import)

    # 3. Resumed: the rest arrives once; nothing is duplicated or lost.
    rest = harvest_run(base_url=url, set_spec="province:510000")
    assert rest.resumed and rest.complete
    live_upstream = Resource.objects.filter(
        oai_exposed=True,
        harvest_source__isnull=True,
        province_code="510000",
        status="published",
        visibility__in=["public", "circle"],
    ).count()
    assert remote.count() == live_upstream  # deleted records create nothing
    assert first.created + rest.created == live_upstream
    assert len(set(remote.values_list("remote_identifier", flat=True))) == remote.count()
    source.refresh_from_db()
    assert source.last_datestamp and not source.resumption_token and source.records_seen >= expected

    # 4. Re-running adds nothing new.
    again = harvest_run(base_url=url, set_spec="province:510000")
    assert again.complete and (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert remote.count() == live_upstream

    # 5. A withdrawal on the 四川 node reaches 重庆 as a deletion, incrementally.
    uid = _withdraw_on_sichuan(sichuan)
    after = harvest_run(base_url=url, set_spec="province:510000")
    assert (after.created, after.deleted) == (0, 1) and after.pages == 1
    gone = remote.get(remote_identifier=f"oai:{SC_NODE_ID}:{uid}")
    assert gone.status == "withdrawn"


def test_harvested_records_are_linked_read_only_searchable_and_not_re_exported(sichuan, client):
    url = sichuan + "/oai"
    harvest_run(base_url=url, set_spec="province:510000")
    remote = Resource.objects.filter(harvest_source__base_url=url, status="published")
    sample = remote.filter(visibility="public").first()
    assert (
        sample.remote_url.startswith(sichuan + "/library/r/")
        and sample.remote_publisher == "四川节点（测试）"
    )
    assert sample.province_code == "510000" and sample.subject and sample.stage
    with pytest.raises(PermissionDenied):
        services.resource_update(actor=user("teacher"), resource_id=sample.pk, changes={"title": "改"})
    circle = remote.filter(visibility="circle").first()
    assert selectors.can_view(user("student"), circle) and not selectors.can_view(None, circle)
    found = selectors.resource_search(actor=None, query=sample.title[:8], page_size=100)
    assert sample.pk in [r.pk for r in found.items]
    page = client.get(f"/library/r/{sample.pk}/").content.decode()
    assert "远程资源" in page and sample.remote_url in page
    response = client.get(
        "/oai", {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": oai.oai_identifier(sample)}
    )
    assert b'code="idDoesNotExist"' in response.content


def test_harvest_command_reports_bad_urls_and_unreachable_nodes():
    with pytest.raises(CommandError, match="http"):
        call_command("harvest", "ftp://example.invalid/oai")
    with pytest.raises(CommandError, match="断点"):
        call_command("harvest", f"http://127.0.0.1:{_free_port()}/oai")
    assert HarvestSource.objects.get(base_url__contains="127.0.0.1").last_error
