"""Builders for assessment tests: demo users, the demo's open test, the right answer to an item."""

from __future__ import annotations

from educloud.accounts.api import User
from educloud.assessment.models import AdaptiveTest
from educloud.assessment.synthetic import OPEN_TITLE


def user(username: str) -> User:
    return User.objects.get(username=username)


def open_test() -> AdaptiveTest:
    return AdaptiveTest.objects.get(title=OPEN_TITLE)


def occasions() -> tuple[AdaptiveTest, AdaptiveTest]:
    first, second = AdaptiveTest.objects.filter(is_synthetic=True).exclude(title=OPEN_TITLE).order_by("opens")
    return first, second


def right_answer(item) -> str:  # type: ignore[no-untyped-def]
    if item.type == "true_false":
        return "对" if item.answer == "true" else "错"
    if item.type == "fill":
        return item.answer.split("|")[0]
    return item.answer


def wrong_answer(item) -> str:  # type: ignore[no-untyped-def]
    if item.type == "true_false":
        return "错" if item.answer == "true" else "对"
    if item.type == "fill":
        return "不知道"
    letters = "ABCDEF"[: len(item.options)]
    return next(c for c in letters if c not in item.answer)
