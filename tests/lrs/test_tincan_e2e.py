"""End to end with the real ``tincan`` client (Rustici's TinCanPython 1.0.0) against a live server.

pytest-django's ``live_server`` needs committed data, so these tests use ``transactional_db``, which
flushes every table afterwards - the session's demo seed included. They live in this module alone,
and its module fixture re-seeds the demo data when it is done so later modules see what they expect.

tincan 1.0.0 on Python 3.11 needs no code shim; three behaviours to know (both handled here):
* booleans in queries are sent as ``True``/``False`` (``str(True)``): the LRS accepts them
  case-insensitively;
* document ``content`` must be given as ``str``: its setter calls ``bytearray(value, "utf-8")``,
  which raises ``TypeError`` for ``bytes`` on Python 3 (a Python 2 leftover); reads return a
  ``bytearray``;
* ``more_statements`` prefixes the ``more`` path with the endpoint's server root, so ``more`` must
  be an absolute path (``/xapi/statements?more=...``), which it is.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import SEED

tincan = pytest.importorskip("tincan")


@pytest.fixture(scope="module", autouse=True)
def _reseed_after_flush(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        call_command("seed", scale="demo", seed=SEED, verbosity=0, stdout=io.StringIO())


@pytest.fixture
def lrs(live_server: Any, transactional_db: Any, settings: Any) -> Any:
    from educloud.lrs.services import client_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    created = client_create(name="tincan e2e", circle=True)
    return tincan.RemoteLRS(
        endpoint=live_server.url + "/xapi/",
        version="1.0.3",
        username=created.client.key,
        password=created.secret,
    )


def _statement(actor_email: str, verb: str, activity: str, **extra: Any) -> Any:
    return tincan.Statement(
        id=str(uuid.uuid4()),
        actor=tincan.Agent(name="E2E Learner", mbox=f"mailto:{actor_email}"),
        verb=tincan.Verb(id=verb, display=tincan.LanguageMap({"en-US": verb.rsplit("/", 1)[-1]})),
        object=tincan.Activity(
            id=activity,
            definition=tincan.ActivityDefinition(
                name=tincan.LanguageMap({"zh-CN": "分数", "en-US": "Fractions"})
            ),
        ),
        **extra,
    )


def test_tincan_posts_queries_pages_and_voids(lrs: Any) -> None:
    about = lrs.about()
    assert about.success
    assert "1.0.3" in about.content.version

    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    completed = "http://adlnet.gov/expapi/verbs/completed"
    first = _statement(
        email,
        completed,
        "http://example.com/activities/fractions",
        result=tincan.Result(success=True, score=tincan.Score(scaled=0.9)),
    )
    saved = lrs.save_statement(first)
    assert saved.success, saved.data
    batch = [
        _statement(email, "http://adlnet.gov/expapi/verbs/attempted", f"http://example.com/activities/{n}")
        for n in range(5)
    ]
    saved_batch = lrs.save_statements(batch)
    assert saved_batch.success, saved_batch.data

    fetched = lrs.retrieve_statement(str(first.id))
    assert fetched.success
    assert str(fetched.content.id) == str(first.id)
    assert fetched.content.result.score.scaled == 0.9
    assert fetched.content.authority is not None

    agent = tincan.Agent(mbox=f"mailto:{email}")
    page = lrs.query_statements({"agent": agent, "limit": 4})
    assert page.success, page.data
    seen = [str(s.id) for s in page.content.statements]
    assert len(seen) == 4
    assert page.content.more
    rest = lrs.more_statements(page.content)
    assert rest.success, rest.data
    seen += [str(s.id) for s in rest.content.statements]
    assert sorted(seen) == sorted([str(first.id)] + [str(s.id) for s in batch])

    by_verb = lrs.query_statements({"verb": tincan.Verb(id=completed), "agent": agent})
    assert [str(s.id) for s in by_verb.content.statements] == [str(first.id)]

    void = tincan.Statement(
        actor=tincan.Agent(mbox=f"mailto:{email}"),
        verb=tincan.Verb(
            id="http://adlnet.gov/expapi/verbs/voided", display=tincan.LanguageMap({"en-US": "voided"})
        ),
        object=tincan.StatementRef(id=str(first.id)),
    )
    assert lrs.save_statement(void).success
    assert not lrs.retrieve_statement(str(first.id)).success
    voided = lrs.retrieve_voided_statement(str(first.id))
    assert voided.success
    assert str(voided.content.id) == str(first.id)
    after = lrs.query_statements({"agent": agent, "ascending": True})
    ids = [str(s.id) for s in after.content.statements]
    assert str(first.id) not in ids
    assert ids[0] == str(batch[0].id)


def test_tincan_documents_round_trip(lrs: Any) -> None:
    agent = tincan.Agent(mbox="mailto:docs-e2e@example.com")
    activity = tincan.Activity(id="http://example.com/activities/doc-e2e")
    state = tincan.StateDocument(
        activity=activity, agent=agent, id="bookmark", content='{"page": 3}', content_type="application/json"
    )
    saved = lrs.save_state(state)
    assert saved.success, saved.data
    got = lrs.retrieve_state(activity, agent, "bookmark")
    assert got.success
    assert got.content.content == b'{"page": 3}'
    ids = lrs.retrieve_state_ids(activity, agent)
    assert ids.success
    assert ids.content == ["bookmark"]
    profile = tincan.ActivityProfileDocument(
        activity=activity, id="settings", content="v1", content_type="text/plain"
    )
    assert lrs.save_activity_profile(profile).success
    fetched = lrs.retrieve_activity_profile(activity, "settings")
    assert fetched.success
    assert fetched.content.content == b"v1"
    assert lrs.delete_state(state).success
    assert lrs.retrieve_state(activity, agent, "bookmark").response.status == 404  # tincan: ignore404


def test_tincan_is_refused_with_a_wrong_secret(live_server: Any, transactional_db: Any) -> None:
    wrong = tincan.RemoteLRS(
        endpoint=live_server.url + "/xapi/", version="1.0.3", username="nobody", password="wrong"
    )
    response = wrong.query_statements({"limit": 1})
    assert not response.success
    assert response.response.status == 401
