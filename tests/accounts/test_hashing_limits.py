"""Argon2 is bounded per process: at most EDUCLOUD_HASH_CONCURRENCY hashes run at once (issue #11.3).

The instrument is argon2-cffi's own verification function, wrapped to count how many threads are
inside it at the same moment: what is measured is real concurrent hashing, whatever the hasher does.
"""

from __future__ import annotations

import threading
from typing import Any

import argon2
import pytest
from django.contrib.auth.hashers import check_password, make_password

from educloud.accounts.hashers import HashingBusy, hashing_slots

N = 20


@pytest.fixture
def cheap_argon2_hash() -> str:
    """A real Argon2 hash with tiny parameters (the hasher reads them from the hash): fast to verify."""
    low = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return "argon2" + low.hash("the right one")


@pytest.fixture
def inside_argon2(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count threads inside argon2's verify at once; each stays a moment so that overlaps happen."""
    import argon2._password_hasher as ph

    real = ph.verify_secret
    state = {"inside": 0, "peak": 0, "calls": 0}
    lock = threading.Lock()
    everyone_inside = threading.Event()

    def counting(*args: Any, **kwargs: Any) -> Any:
        with lock:
            state["inside"] += 1
            state["calls"] += 1
            state["peak"] = max(state["peak"], state["inside"])
            if state["inside"] >= N:
                everyone_inside.set()
        try:
            # Hold the hash open a little: unbounded, all N threads pile up in here.
            everyone_inside.wait(timeout=0.2)
            return real(*args, **kwargs)
        finally:
            with lock:
                state["inside"] -= 1

    monkeypatch.setattr(ph, "verify_secret", counting)
    return state


def _race(target: Any) -> list[Any]:
    start = threading.Barrier(N)
    results: list[Any] = [None] * N

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = target()
        except Exception as exc:  # collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_concurrent_wrong_passwords_never_hash_more_than_the_limit_at_once(
    settings: Any, cheap_argon2_hash: str, inside_argon2: dict[str, int]
) -> None:
    settings.EDUCLOUD_HASH_CONCURRENCY = 2
    settings.EDUCLOUD_HASH_WAIT_SECONDS = 30  # everyone gets a turn: this test is about the bound
    hashing_slots.reset_peak()
    results = _race(lambda: check_password("wrong", cheap_argon2_hash))
    assert results == [False] * N
    assert inside_argon2["calls"] == N
    assert 1 <= inside_argon2["peak"] <= 2
    assert hashing_slots.peak <= 2 and hashing_slots.in_use == 0


def test_a_request_that_finds_no_free_slot_in_time_is_turned_away(
    settings: Any, cheap_argon2_hash: str
) -> None:
    settings.EDUCLOUD_HASH_CONCURRENCY = 1
    settings.EDUCLOUD_HASH_WAIT_SECONDS = 0.01
    slot = hashing_slots.semaphore()
    assert slot.acquire(timeout=1)
    try:
        with pytest.raises(HashingBusy):
            check_password("the right one", cheap_argon2_hash)
        with pytest.raises(HashingBusy):  # unknown usernames hash too (Django's timing equaliser)
            make_password("anything")
    finally:
        slot.release()
    assert check_password("the right one", cheap_argon2_hash)


def test_stored_hashes_keep_their_algorithm_name() -> None:
    encoded = make_password("educloud-demo-2026")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("educloud-demo-2026", encoded) and not check_password("nope", encoded)
