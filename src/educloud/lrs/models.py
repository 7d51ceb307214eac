"""Tables of the Learning Record Store: Statements, their filter keys, attachments, documents, clients.

Identifiers and invariants:

* ``Statement.id`` (``seq``) is a database sequence: monotonically increasing in insertion order.
  Results are ordered by ``(stored, id)``; ``more`` cursors carry that pair, so paging is stable
  while new Statements arrive. ``statement_id`` is the xAPI id (unique). ``payload`` is the stored
  Statement as compact JSON text, exactly what ``format=exact`` returns (kept as text, not
  ``jsonb``: the LRS never queries inside it and answers by splicing the stored text).
* Every value GET Statements filters on lives in ``StatementKey`` rows ``(statement, kind, key)``:
  ``key`` is a 128-bit hash (:func:`key_hash`) of the verb IRI, Agent IFI, Activity IRI or
  registration. Multi-valued filters (Group members, ``related_agents``, ``related_activities``)
  and the StatementRef rule (a Statement targeting another matches the filters the target matches,
  recursively) become one indexed equality join each. Per Statement, an agent key is either
  ``AGENT`` or ``RELATED_AGENT`` (never both), likewise ``ACTIVITY``/``RELATED_ACTIVITY``, so
  ``kind IN (...)`` never returns a Statement twice.
* ``voided`` is true iff the Statement is not itself a voiding Statement and a voiding Statement
  targeting it is stored (Data 2.3.2); it is set when either of the two arrives.
* Place columns (``province_code`` ... ``school_code``) say whose record a Statement is, for read
  scoping: the school of the platform learner the actor maps to, else the storing client's scope
  (see ``selectors.readable_q`` and ADR 0007).
* Documents (State, Activity Profile, Agent Profile) keep their bytes, Content-Type, ETag (quoted
  SHA-1 of the bytes) and ``updated``; their natural keys are hashed into fixed-size unique columns.

Read next: ``services.py`` (the write path), ``selectors.py`` (queries),
``docs/decisions/0007-lrs-storage.md``.
"""

from __future__ import annotations

import functools
import hashlib
import uuid

from django.db import models
from django.db.models import Q

from educloud.accounts.api import User
from educloud.regions.api import City, County, Province
from educloud.schools.api import School


@functools.lru_cache(maxsize=65536)  # verbs, activities and agents repeat across a batch
def key_hash(kind: str, value: str) -> uuid.UUID:
    """128-bit key of a filter value, namespaced by what it is (``verb``, ``agent``, ``activity`` ...)."""
    return uuid.UUID(bytes=hashlib.sha256(f"{kind}\x00{value}".encode()).digest()[:16])


class Client(models.Model):
    """A system allowed to talk to the LRS (HTTP Basic ``key:secret``), scoped to a place.

    ``scope_kind`` says which single scope field is set: none for ``circle`` (both regions),
    ``province``/``city``/``county``/``school`` for the matching foreign key. ``is_internal`` marks
    the platform's own client (``statement_record_internal``), which has no usable secret.
    """

    class ScopeKind(models.TextChoices):
        CIRCLE = "circle", "川渝全域"
        PROVINCE = "province", "省（市）"
        CITY = "city", "市（州）"
        COUNTY = "county", "区（县）"
        SCHOOL = "school", "学校"

    name = models.CharField(max_length=100)
    key = models.CharField(max_length=40, unique=True)
    secret_hash = models.CharField(max_length=256, help_text="Django password hash of the secret")
    scope_kind = models.CharField(max_length=8, choices=ScopeKind.choices)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    is_internal = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="lrs_client_scope_matches_kind",
                condition=(
                    Q(
                        scope_kind="circle",
                        province__isnull=True,
                        city__isnull=True,
                        county__isnull=True,
                        school__isnull=True,
                    )
                    | Q(
                        scope_kind="province",
                        province__isnull=False,
                        city__isnull=True,
                        county__isnull=True,
                        school__isnull=True,
                    )
                    | Q(
                        scope_kind="city",
                        province__isnull=True,
                        city__isnull=False,
                        county__isnull=True,
                        school__isnull=True,
                    )
                    | Q(
                        scope_kind="county",
                        province__isnull=True,
                        city__isnull=True,
                        county__isnull=False,
                        school__isnull=True,
                    )
                    | Q(
                        scope_kind="school",
                        province__isnull=True,
                        city__isnull=True,
                        county__isnull=True,
                        school__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Learner(models.Model):
    """The pseudonymous xAPI identity of a platform user: ``account {homePage: <site>/accounts,
    name: account_name}``. ``account_name`` is random, stable, and reveals nothing about the user."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    account_name = models.CharField(max_length=32, unique=True)

    def __str__(self) -> str:
        return self.account_name


class Statement(models.Model):
    id = models.BigAutoField(primary_key=True)  # the sequence: insertion order, cursor tie-breaker
    statement_id = models.UUIDField(unique=True)
    stored = models.DateTimeField()
    timestamp = models.DateTimeField()
    payload = models.TextField(help_text="the stored Statement, compact JSON (format=exact)")
    verb_id = models.TextField(help_text="verb IRI, for exports (filtering goes through StatementKey)")
    registration = models.UUIDField(null=True, blank=True)
    actor_key = models.TextField(blank=True, help_text="IFI key of the actor ('' for an anonymous Group)")
    object_activity_id = models.TextField(blank=True)
    object_agent_key = models.TextField(blank=True)
    ref_target = models.UUIDField(null=True, blank=True, help_text="id of a StatementRef object")
    is_voiding = models.BooleanField(default=False)
    voided = models.BooleanField(default=False)
    # No plain FK indexes (each index costs on every insert): clients are deactivated, never deleted,
    # and reads filter by client only together with an indexed condition.
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", db_index=False)
    learner = models.ForeignKey(
        Learner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    province_code = models.CharField(max_length=6, blank=True)
    city_code = models.CharField(max_length=6, blank=True)
    county_code = models.CharField(max_length=6, blank=True)
    school_code = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [
            # Unfiltered pages, since/until, ordering: ORDER BY stored, id (both directions).
            models.Index(fields=["stored", "id"], name="lrs_stmt_stored_seq"),
            # Voiding and the StatementRef rule: "which Statements target X?"
            models.Index(
                fields=["ref_target"], name="lrs_stmt_ref_target", condition=Q(ref_target__isnull=False)
            ),
            # A county's clients reading their own place's records.
            models.Index(
                fields=["county_code", "stored"], name="lrs_stmt_county_stored", condition=~Q(county_code="")
            ),
            # learner_statements(user): the platform's own view of one learner.
            models.Index(
                fields=["learner", "stored"],
                name="lrs_stmt_learner_stored",
                condition=Q(learner__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementKey(models.Model):
    """One filter value of a Statement (its own or inherited through a StatementRef).

    The primary key ``(key, kind, statement)`` is also the lookup index: GET Statements?agent=...
    is ``WHERE key = h AND kind IN (...)`` joined to Statement by primary key.
    """

    class Kind(models.IntegerChoices):
        VERB = 1
        REGISTRATION = 2
        AGENT = 3  # actor or object (Group members included): the ``agent`` filter
        RELATED_AGENT = 4  # other agents for ``related_agents=true`` (authority, instructor, team ...)
        ACTIVITY = 5  # object Activity: the ``activity`` filter
        RELATED_ACTIVITY = 6  # context Activities etc. for ``related_activities=true``

    pk = models.CompositePrimaryKey("key", "kind", "statement")
    key = models.UUIDField()
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    # Indexed: the keys of one Statement, read when a StatementRef to it inherits them.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="keys")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class Attachment(models.Model):
    """Attachment data, shared by every Statement that references the same SHA-2 digest."""

    sha2 = models.CharField(max_length=128, unique=True)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    length = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """The LRS's canonical definition of an Activity, merged from the Statements it received."""

    key = models.UUIDField(unique=True)
    activity_id = models.TextField()
    definition = models.TextField(default="{}", help_text="canonical definition, JSON")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.activity_id


class Document(models.Model):
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=42)
    updated = models.DateTimeField(db_index=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class PlacedDocument(Document):
    """A document about an Agent: scoped like Statements (place of the learner or of the client)."""

    agent = models.TextField(help_text="the Agent as sent, JSON")
    agent_key = models.UUIDField()
    province_code = models.CharField(max_length=6, blank=True)
    city_code = models.CharField(max_length=6, blank=True)
    county_code = models.CharField(max_length=6, blank=True)
    school_code = models.CharField(max_length=16, blank=True)

    class Meta:
        abstract = True


class State(PlacedDocument):
    activity_id = models.TextField()
    activity_key = models.UUIDField()
    registration = models.CharField(max_length=36, blank=True, help_text="lower-case UUID or ''")
    state_id = models.TextField()
    state_key = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity_key", "agent_key", "registration", "state_key"], name="lrs_state_unique"
            )
        ]

    def __str__(self) -> str:
        return self.state_id


class ActivityProfile(Document):
    activity_id = models.TextField()
    activity_key = models.UUIDField()
    profile_id = models.TextField()
    profile_key = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity_key", "profile_key"], name="lrs_activity_profile_unique"
            )
        ]

    def __str__(self) -> str:
        return self.profile_id


class AgentProfile(PlacedDocument):
    profile_id = models.TextField()
    profile_key = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent_key", "profile_key"], name="lrs_agent_profile_unique")
        ]

    def __str__(self) -> str:
        return self.profile_id
