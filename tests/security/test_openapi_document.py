"""The OpenAPI document itself is well formed for the tools that read it.

Python's json module keeps the last of two equal keys, so a document with a duplicated key still
loads in Python (and in schemathesis), while Swagger UI's YAML parser refuses it with "duplicated
mapping key" and draws nothing. That happened when an operation declared its 200 both through
``response=`` (int key) and through ``openapi_extra`` (string key).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicated, f"duplicated keys {duplicated} among {keys}"
    return dict(pairs)


def test_the_openapi_document_has_no_duplicated_key_and_every_response_a_description() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content, object_pairs_hook=_refuse_duplicates)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                assert answer.get("description"), f"{method.upper()} {path} {status}: no description"


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI document keys its components by class name: two routers' schemas of one name
    (pairing's and governance's ``RunOut`` once) silently become one, and one operation then
    documents the other's body."""
    import importlib
    import pkgutil

    from ninja import Schema

    import educloud

    owners: dict[str, list[str]] = {}
    for module in pkgutil.iter_modules(educloud.__path__):
        try:
            endpoints = importlib.import_module(f"educloud.{module.name}.endpoints")
        except ModuleNotFoundError:
            continue
        for name, value in vars(endpoints).items():
            ours = isinstance(value, type) and value.__module__ == endpoints.__name__
            if ours and issubclass(value, Schema):
                owners.setdefault(name, []).append(module.name)
    shared = {name: apps for name, apps in owners.items() if len(apps) > 1}
    assert not shared, shared
