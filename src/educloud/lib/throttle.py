"""Failure counters in Django's cache: "N failures within a window, then wait" (fixed windows).

A :class:`Rule` names what is counted (``login-address``, ``lrs-key`` ...), how many failures are
allowed and the window. :func:`record_failure` counts one failure for a subject (an address, a
username, a client key); :func:`retry_after` says how many seconds the subject must still wait
(0: it may try). The window starts at the subject's first failure; when it has passed, the count
starts again. Subjects are hashed into the cache key, so any text is fine.

The counters live in the ``default`` cache: local memory in one process, Redis when ``REDIS_URL``
is set (shared by all workers and machines, which is what makes the limits hold behind several
workers). Both increment atomically. A cache outage is not a reason to refuse a login: errors of
the cache backend are logged and counted as "no failures".
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

__all__ = ["Rule", "clear", "failures", "record_failure", "retry_after"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """At most ``limit`` failures per subject within ``window`` seconds."""

    name: str
    limit: int
    window: int


def _keys(rule: Rule, subject: str) -> tuple[str, str]:
    digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    base = f"educloud:throttle:{rule.name}:{digest}"
    return base + ":n", base + ":until"


def record_failure(rule: Rule, subject: str) -> int:
    """Count one failure of ``subject`` under ``rule``; the number of failures in this window."""
    count_key, until_key = _keys(rule, subject)
    try:
        # The window's end is fixed by the first failure (add() never overwrites).
        cache.add(until_key, time.time() + rule.window, timeout=rule.window)
        cache.add(count_key, 0, timeout=rule.window)
        try:
            return int(cache.incr(count_key))
        except ValueError:  # the counter expired between add() and incr()
            cache.set(count_key, 1, timeout=rule.window)
            return 1
    except Exception:  # the cache is down: do not turn that into refused logins
        logger.exception("throttle: cannot record a failure for rule %s", rule.name)
        return 0


def failures(rule: Rule, subject: str) -> int:
    """Failures of ``subject`` counted in the current window."""
    count_key, _ = _keys(rule, subject)
    try:
        return int(cache.get(count_key) or 0)
    except Exception:
        logger.exception("throttle: cannot read the counter of rule %s", rule.name)
        return 0


def retry_after(rule: Rule, subject: str) -> int:
    """Seconds ``subject`` must wait before trying again under ``rule`` (0: not limited)."""
    count_key, until_key = _keys(rule, subject)
    try:
        values = cache.get_many([count_key, until_key])
    except Exception:
        logger.exception("throttle: cannot read the counter of rule %s", rule.name)
        return 0
    if int(values.get(count_key) or 0) < rule.limit:
        return 0
    until = float(values.get(until_key) or 0.0)
    return max(1, math.ceil(until - time.time()))


def clear(rule: Rule, subject: str) -> None:
    """Forget the failures of ``subject`` (e.g. after a successful login)."""
    try:
        cache.delete_many(list(_keys(rule, subject)))
    except Exception:
        logger.exception("throttle: cannot clear the counter of rule %s", rule.name)
