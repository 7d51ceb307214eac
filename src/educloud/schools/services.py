"""Writes to schools: editing a school within the actor's editable scope."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from educloud.lib.errors import InvalidInput
from educloud.lib.scope import Scope
from educloud.schools.models import School
from educloud.schools.selectors import school_get

EDITABLE_FIELDS = {"name", "ownership", "location_class", "longitude", "latitude"}


@transaction.atomic
def school_update(*, editable_scope: Scope, code: str, changes: dict[str, Any]) -> School:
    """Change a school's basic facts. Raises PermissionDenied outside ``editable_scope``.

    Validates everything before writing, so a rejected change leaves the school as it was.
    """
    school = school_get(scope=editable_scope, code=code)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(f"不能修改字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    if "name" in changes:
        name = str(changes["name"]).strip()
        if not 2 <= len(name) <= 64:
            raise InvalidInput("学校名称应为 2 到 64 个字", field="name")
        changes["name"] = name
    if "ownership" in changes and changes["ownership"] not in School.Ownership.values:
        raise InvalidInput("办学性质只能是 public（公办）或 private（民办）", field="ownership")
    if "location_class" in changes and changes["location_class"] not in School.LocationClass.values:
        raise InvalidInput("城乡类别只能是 urban、town 或 rural", field="location_class")
    for axis, low, high in (("longitude", 97.0, 111.0), ("latitude", 26.0, 34.0)):
        if changes.get(axis) is not None and not low <= float(changes[axis]) <= high:
            raise InvalidInput(f"{axis} 超出川渝范围（{low}–{high}）", field=axis)
    for key, value in changes.items():
        setattr(school, key, value)
    school.save(update_fields=list(changes))
    return school
