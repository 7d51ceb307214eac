"""Public Python interface of the lrs app: what other apps may call.

* ``statement_record_internal`` - write one of the platform's own learning events (a resource
  completed, an item answered) as an xAPI Statement through the same validation and storage as
  external clients; the actor is the user's pseudonymous account, never a name.
* ``learner_agent`` - the xAPI Agent of a platform user (for building queries or contexts).
* ``void_statement_internal`` - void one of the platform's own Statements.
* ``learner_statements`` - the platform's view of one user's stored Statements (newest first).
* ``statements_since`` / ``actor_user_id`` - a sequence-cursor feed of Statements by verb (all
  clients'), and the platform user behind a Statement's actor (for ingestion by ``learning``).
* ``site_base_url`` - the site's base IRL used in learners' and clients' identities.
"""

from __future__ import annotations

from educloud.lrs.identity import learner_agent, site_base_url
from educloud.lrs.selectors import actor_user_id, learner_statements, statements_since
from educloud.lrs.services import statement_record_internal, void_statement_internal

__all__ = [
    "actor_user_id",
    "learner_agent",
    "learner_statements",
    "site_base_url",
    "statement_record_internal",
    "statements_since",
    "void_statement_internal",
]
