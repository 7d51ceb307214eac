"""Password hashing with a bound on how many Argon2 computations run at once in this process.

Django's Argon2 parameters cost ~100 MB of memory per hash, on purpose. Without a bound, 20
concurrent wrong logins (or xAPI requests with a wrong secret: ``lrs.auth`` checks client secrets
with the same hashers) took a worker from 0.5 GB to 2.3 GB. :class:`BoundedArgon2PasswordHasher`
is Django's Argon2 hasher whose ``verify`` and ``encode`` (the latter also runs for unknown
usernames, to keep timing even) first take a slot of a process-wide semaphore:

- ``EDUCLOUD_HASH_CONCURRENCY`` slots (default 2: the machine's cores; more only adds memory);
- a request that finds no free slot within ``EDUCLOUD_HASH_WAIT_SECONDS`` (default 5) gets
  :class:`HashingBusy`, which the login page answers with 503 "登录繁忙，请稍后再试" and the LRS
  with a JSON 503, both with ``Retry-After``: a flood waits a bounded time and is then turned away
  instead of queueing without end.

The algorithm name stays ``argon2``: stored hashes are unchanged and still verify.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

__all__ = ["BoundedArgon2PasswordHasher", "HashingBusy", "hashing_slots"]

RETRY_AFTER_SECONDS = 5


class HashingBusy(Exception):
    """Every password-hashing slot of this process stayed taken for the whole wait."""

    retry_after = RETRY_AFTER_SECONDS


class _Slots:
    """A bounded semaphore sized by the settings (re-created when the setting changes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._semaphore = threading.BoundedSemaphore(1)
        self.in_use = 0  # hashes running now (for tests and diagnostics)
        self.peak = 0  # the most that ever ran at once since the last reset_peak()

    def semaphore(self) -> threading.BoundedSemaphore:
        size = max(1, int(getattr(settings, "EDUCLOUD_HASH_CONCURRENCY", 2)))
        with self._lock:
            if size != self._size:
                self._size = size
                self._semaphore = threading.BoundedSemaphore(size)
            return self._semaphore

    def reset_peak(self) -> None:
        with self._lock:
            self.peak = self.in_use

    def run(self, work: Any, *args: Any) -> Any:
        semaphore = self.semaphore()
        wait = float(getattr(settings, "EDUCLOUD_HASH_WAIT_SECONDS", 5.0))
        if not semaphore.acquire(timeout=max(0.0, wait)):
            raise HashingBusy("登录繁忙，请稍后再试")
        try:
            with self._lock:
                self.in_use += 1
                self.peak = max(self.peak, self.in_use)
            return work(*args)
        finally:
            with self._lock:
                self.in_use -= 1
            semaphore.release()


hashing_slots = _Slots()


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher, at most ``EDUCLOUD_HASH_CONCURRENCY`` hashes at once per process."""

    def verify(self, password: str, encoded: str) -> bool:
        return bool(hashing_slots.run(super().verify, password, encoded))

    def encode(self, password: str, salt: str) -> str:
        return str(hashing_slots.run(super().encode, password, salt))
