"""Object permissions as ``rules`` predicates, so templates and views can ask ``user.has_perm``.

They delegate to ``scoping``: one source of truth for who may do what.
"""

from __future__ import annotations

import rules

from educloud.accounts.scoping import edit_scope, student_data_scope, view_scope
from educloud.schools.api import school_in_scope


def _covers(scope_fn):  # type: ignore[no-untyped-def]
    def predicate(user, school) -> bool:  # type: ignore[no-untyped-def]
        if school is None:
            return False
        return school_in_scope(scope_fn(user), school)

    return predicate


can_view_school = rules.predicate(_covers(view_scope), name="can_view_school")
can_edit_school = rules.predicate(_covers(edit_scope), name="can_edit_school")
can_read_students = rules.predicate(_covers(student_data_scope), name="can_read_students")

rules.add_perm("schools.view_school", can_view_school)
rules.add_perm("schools.change_school", can_edit_school)
rules.add_perm("accounts.view_studentprofile", can_read_students)
