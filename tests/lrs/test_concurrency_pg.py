"""Concurrent writes of the same Statement ids on PostgreSQL, over real HTTP (issue #11, item 7).

xAPI (Communication 2.1.1/2.1.2, Data 2.3.1.s9): a PUT or POST of an id that is already stored
answers 204/200 when the Statement is the same and 409 when it differs, and a Statement is stored
once. Under concurrency the existence check of one request cannot see another's uncommitted row:
the loser's ``COPY`` then hits the unique index on ``statement_id`` and must still answer by those
rules, not 500.

The server is Django's threaded WSGI server on 127.0.0.1 serving this test database, each request
on its own thread and database connection. What the server must see has to be committed, and
``transactional_db`` (or ``live_server``, which implies it) would flush the session's demo seed: so
the test's own connection stays in its rolled-back transaction (``db``), the client is created and
everything is deleted afterwards on a connection of a helper thread (autocommit), and the checks
read committed rows (PostgreSQL's READ COMMITTED shows them inside the test's transaction too).
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connection, connections  # noqa: F401 - `connection` is read by the skipif

from tests.lrs.conftest import statement

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
    pytest.mark.django_db,
]
THREADS = 10


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Server:
    host: str
    port: int
    auth: str

    def send(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(
                method,
                path,
                body=json.dumps(body).encode(),
                headers={
                    "Authorization": self.auth,
                    "X-Experience-API-Version": "1.0.3",
                    "Content-Type": "application/json",
                },
            )
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def race(self, requests: list[tuple[str, str, Any]]) -> list[tuple[int, bytes]]:
        """Send the requests at once, one thread each, released together by a barrier."""
        barrier = threading.Barrier(len(requests))

        def one(request: tuple[str, str, Any]) -> tuple[int, bytes]:
            barrier.wait(timeout=30)
            return self.send(*request)

        with ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(one, requests))


def committed(work: Callable[[], Any]) -> Any:
    """Run ``work`` on a connection of its own (autocommit): other connections see what it wrote."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # re-raised in the caller
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture
def server(db: Any) -> Iterator[Server]:
    from educloud.lrs.models import Client, Statement
    from educloud.lrs.services import client_create

    created = committed(lambda: client_create(name=f"race {uuid.uuid4().hex[:8]}", circle=True))
    httpd = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    httpd.set_app(WSGIHandler())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        auth = "Basic " + base64.b64encode(f"{created.client.key}:{created.secret}".encode()).decode()
        yield Server("127.0.0.1", httpd.server_address[1], auth)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)

        def clean() -> None:
            Statement.objects.filter(client=created.client).delete()
            Client.objects.filter(pk=created.client.pk).delete()

        committed(clean)


def stored(statement_id: str) -> list[dict[str, Any]]:
    from educloud.lrs.models import Statement

    rows = Statement.objects.filter(statement_id=uuid.UUID(statement_id)).values_list("payload", flat=True)
    return [json.loads(payload) for payload in rows]


def test_concurrent_identical_puts_all_answer_204_and_store_once(server: Server) -> None:
    for _ in range(3):  # three races: the in-process server collides less often than uvicorn workers
        s = statement()
        answers = server.race([("PUT", f"/xapi/statements?statementId={s['id']}", s)] * THREADS)
        assert Counter(status for status, _ in answers) == {204: THREADS}, answers
        assert len(stored(s["id"])) == 1


def test_concurrent_puts_of_two_versions_store_one_and_refuse_the_other(server: Server) -> None:
    first = statement()
    failed = {"id": "http://adlnet.gov/expapi/verbs/failed", "display": {"en-US": "failed"}}
    second = {**first, "verb": failed}
    requests = [("PUT", f"/xapi/statements?statementId={first['id']}", v) for v in [first, second] * 5]
    answers = server.race(requests)
    (row,) = stored(first["id"])
    winner = row["verb"]["id"]
    for (_, _, sent), (status, body) in zip(requests, answers, strict=True):
        if sent["verb"]["id"] == winner:
            assert status == 204, body
        else:
            assert status == 409, body
            assert "already stored" in json.loads(body)["detail"]


def test_concurrent_batches_sharing_ids_store_each_once(server: Server) -> None:
    shared = [statement() for _ in range(3)]
    own = [statement() for _ in range(THREADS)]
    # Each batch: its own Statement plus the shared ones, in a different order per batch (so the
    # unique index is hit in different orders too).
    batches = [[own[i], *(shared[i % 3 :] + shared[: i % 3])] for i in range(THREADS)]
    answers = server.race([("POST", "/xapi/statements", batch) for batch in batches])
    for batch, (status, body) in zip(batches, answers, strict=True):
        assert status == 200, body
        assert json.loads(body) == [s["id"] for s in batch]
    for s in shared + own:
        assert len(stored(s["id"])) == 1


def _row(client_id: int, statement_id: uuid.UUID) -> dict[str, Any]:
    from django.utils import timezone

    now = timezone.now()
    return {
        "statement_id": statement_id, "stored": now, "timestamp": now, "payload": "{}",
        "verb_id": "http://example.com/verbs/raced", "registration": None, "actor_key": "",
        "object_activity_id": "", "object_agent_key": "", "ref_target": None, "is_voiding": False,
        "voided": False, "client_id": client_id, "learner_id": None,
        "province_code": "", "city_code": "", "county_code": "", "school_code": "",
    }  # fmt: skip


def test_statement_rows_are_copied_in_id_order_so_crossing_batches_cannot_deadlock(db: Any) -> None:
    """Deterministic form of two batches sharing ids X < Y: A holds X; B copies [Y, X] - in id
    order it waits on X before taking Y, so A can then take Y and commit, and B fails cleanly
    (IntegrityError, which the service retries). In batch order B would hold Y while waiting on X,
    A would wait on Y: a deadlock PostgreSQL breaks by killing one of them (a 500)."""
    import time

    from django.db import IntegrityError, transaction

    from educloud.lrs import bulk
    from educloud.lrs.models import Client, Statement
    from educloud.lrs.services import client_create

    client = committed(lambda: client_create(name="order", circle=True)).client
    x, y = sorted([uuid.uuid4(), uuid.uuid4()])
    a_holds_x, outcome = threading.Event(), {}

    def session_b() -> None:
        a_holds_x.wait(10)
        try:
            with transaction.atomic():
                bulk.insert_statements([_row(client.pk, y), _row(client.pk, x)])
            outcome["b"] = "stored"
        except Exception as exc:
            outcome["b"] = type(exc).__name__
        finally:
            connections.close_all()

    def session_a() -> None:
        try:
            with transaction.atomic():
                bulk.insert_statements([_row(client.pk, x)])
                a_holds_x.set()
                time.sleep(0.5)  # B is now blocked inside its COPY
                bulk.insert_statements([_row(client.pk, y)])
            outcome["a"] = "stored"
        except Exception as exc:
            outcome["a"] = type(exc).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=session_a), threading.Thread(target=session_b)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert outcome == {"a": "stored", "b": IntegrityError.__name__}
    finally:

        def clean() -> None:
            Statement.objects.filter(client_id=client.pk).delete()
            Client.objects.filter(pk=client.pk).delete()

        committed(clean)
