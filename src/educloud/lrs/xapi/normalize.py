"""What the LRS does to a valid Statement: store-time assignments, output formats,
comparison, and the keys it indexes Statements by.

* :func:`prepare_statement` - the assignments of Data 2.3.1.b1: ``id`` (uuid4 when
  absent), ``stored`` (always overwritten), ``timestamp`` (= stored when absent, else the
  same instant in UTC with at least millisecond precision, Data 2.4.7 / 4.5),
  ``authority`` (LRS-supplied), ``version`` (``1.0.0`` when absent, Data 2.4.10.s3.b3),
  and contextActivities values turned into arrays (Data 2.4.6.2.s4.b3).
* :func:`canonical` / :func:`ids_format` - the ``format=canonical`` and ``format=ids``
  renderings of GET Statements (Communication 2.1.3); ``exact`` is the stored Statement.
* :func:`statements_equivalent` - the Statement comparison requirements (Data 2.3.1.s9)
  used to choose ``204``/``200`` versus ``409 Conflict`` when an id is re-posted and to
  check a signed Statement against its JWS payload.
* :func:`agent_ifi` and :func:`index_statement` - canonical agent keys and the values
  GET Statements filters on.

Nothing here mutates its arguments; every function returns new objects. Several helpers
(:func:`copy_json`, the comparison) recurse over the Statement; that is bounded because every
Statement reaching them is parsed with :func:`.jsonparse.parse_json` or validated, both of
which refuse nesting beyond ``MAX_JSON_DEPTH`` (64) levels.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .duration import truncate_duration
from .timestamps import format_timestamp, parse_timestamp
from .validate import CONTEXT_ACTIVITY_KEYS, IFI_KEYS, VOIDED_VERB

__all__ = [
    "StatementIndex",
    "agent_ifi",
    "canonical",
    "choose_language",
    "copy_json",
    "ids_format",
    "index_statement",
    "normalize_context_activities",
    "parse_accept_language",
    "prepare_statement",
    "statements_equivalent",
    "utc_timestamp",
]

# Properties the LRS may assign (Data 2.3.1.b1): a difference is ignored when one side lacks them.
_ASSIGNABLE = ("id", "timestamp", "version")
# Properties the LRS always overwrites: never compared.
_OVERWRITTEN = ("stored", "authority")


# --------------------------------------------------------------------------- store-time assignments


def copy_json(value: Any) -> Any:
    """Deep copy of JSON data (dicts, lists, scalars): several times faster than ``copy.deepcopy``,
    which matters on the LRS's write path (every Statement is copied once)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    if isinstance(value, Mapping):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [copy_json(item) for item in value]
    return value


def _normalize_context(context: Any) -> None:
    if not isinstance(context, dict):
        return
    activities = context.get("contextActivities")
    if isinstance(activities, dict):
        for key in CONTEXT_ACTIVITY_KEYS:
            if key in activities and not isinstance(activities[key], list):
                activities[key] = [activities[key]]


def normalize_context_activities(statement: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy whose contextActivities values (and a SubStatement's) are arrays."""
    result = copy_json(statement)
    _normalize_context(result.get("context"))
    obj = result.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        _normalize_context(obj.get("context"))
    return result


def _with_list_context(body: Mapping[str, Any]) -> dict[str, Any]:
    """Shallow copy of a Statement body whose contextActivities values are arrays; only the
    dicts on the path to what changes are copied."""
    result = dict(body)
    context = result.get("context")
    if isinstance(context, Mapping) and isinstance(context.get("contextActivities"), Mapping):
        activities = dict(context["contextActivities"])
        for key in CONTEXT_ACTIVITY_KEYS:
            if key in activities and not isinstance(activities[key], list):
                activities[key] = [activities[key]]
        result["context"] = {**context, "contextActivities": activities}
    return result


def _prepared_copy(statement: Mapping[str, Any]) -> dict[str, Any]:
    result = _with_list_context(statement)
    obj = result.get("object")
    if isinstance(obj, Mapping) and obj.get("objectType") == "SubStatement":
        result["object"] = _with_list_context(obj)
    return result


def prepare_statement(
    obj: Mapping[str, Any], *, authority: Mapping[str, Any] | None, stored_at: datetime | str
) -> dict[str, Any]:
    """Return the Statement as the LRS stores it (input must already be validated).

    ``authority`` overwrites any submitted authority (Data 2.4.9.s3.b4); pass ``None``
    only for a strongly trusted source whose submitted authority is kept - a
    Statement must still end up with one, else ``ValueError``. ``stored_at`` is a
    timezone-aware datetime (serialised in UTC with milliseconds) or an already
    formatted Timestamp. A submitted ``id`` is kept as sent (index it lower-cased).

    The input is never modified; for speed on the write path the result shares the sub-objects
    it does not change with the input (copy it with :func:`copy_json` before mutating either).
    """
    statement = _prepared_copy(obj)
    stored = stored_at if isinstance(stored_at, str) else format_timestamp(stored_at)
    statement.setdefault("id", str(uuid.uuid4()))
    statement["stored"] = stored
    if "timestamp" in statement:
        statement["timestamp"] = utc_timestamp(statement["timestamp"])
    else:
        statement["timestamp"] = stored
    sub = statement.get("object")
    if isinstance(sub, dict) and sub.get("objectType") == "SubStatement" and "timestamp" in sub:
        sub["timestamp"] = utc_timestamp(sub["timestamp"])  # a fresh dict: _prepared_copy copied it
    if authority is not None:
        statement["authority"] = copy_json(authority)
    elif "authority" not in statement:
        raise ValueError("every stored Statement needs an authority (Data 2.4.9.s3.b3)")
    statement.setdefault("version", "1.0.0")
    return statement


_UTC_MILLIS_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def utc_timestamp(text: str) -> str:
    """The same instant as the (valid) Timestamp ``text``, in UTC, with milliseconds - or
    microseconds when the text had sub-millisecond digits.

    Data 2.4.7: the LRS SHOULD return timestamps in UTC and MUST keep at least millisecond
    precision (XAPI-00122 reads the returned value and expects the milliseconds, also for
    a Statement sent as ``12:17:00+08:00``); digits beyond microseconds are truncated, which
    the spec allows. A zoneless text is read as UTC (:func:`.timestamps.parse_timestamp`).
    """
    if _UTC_MILLIS_RE.fullmatch(text):
        return text  # already the canonical form (JavaScript's toISOString): the common case, no parse
    moment = parse_timestamp(text).astimezone(UTC)
    spec = "microseconds" if moment.microsecond % 1000 else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


# --------------------------------------------------------------------------- language selection


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an ``Accept-Language`` header, best first (q=0 dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        language, _, params = item.strip().partition(";")
        language = language.strip()
        if not language:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, language))
    return [language for _, _, language in sorted(weighted)]


def _range_matches(language_range: str, tag: str) -> bool:
    low_range, low_tag = language_range.lower(), tag.lower()
    return low_tag == low_range or low_tag.startswith(low_range + "-")


def choose_language(language_map: Mapping[str, str], languages: Sequence[str]) -> str | None:
    """Pick the key of ``language_map`` best matching ``languages`` (RFC 2616 14.4).

    Tries each range in order: ``*``, exact or prefix match (``en`` matches ``en-US``),
    then RFC 4647 lookup truncation (``en-US`` falls back to ``en``). Without any match
    the first entry is used so a canonical map still carries one language.
    """
    if not language_map:
        return None
    keys = list(language_map)
    for language_range in languages:
        if language_range == "*":
            return keys[0]
        for key in keys:
            if _range_matches(language_range, key):
                return key
    for language_range in languages:
        parts = language_range.split("-")
        while len(parts) > 1:
            parts.pop()
            for key in keys:
                if key.lower() == "-".join(parts).lower():
                    return key
    return keys[0]


def _reduce_map(value: Any, languages: Sequence[str]) -> Any:
    if not isinstance(value, dict):
        return value
    key = choose_language(value, languages)
    return {} if key is None else {key: value[key]}


# --------------------------------------------------------------------------- format=canonical


def _canonical_activity(activity: Mapping[str, Any], languages: Sequence[str],
                        definitions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    result = copy_json(activity)
    if activity.get("id") in definitions:
        result["definition"] = copy_json(definitions[activity["id"]])
    definition = result.get("definition")
    if isinstance(definition, dict):
        for key in ("name", "description"):
            if key in definition:
                definition[key] = _reduce_map(definition[key], languages)
        for list_key in ("choices", "scale", "source", "target", "steps"):
            for component in definition.get(list_key) or []:
                if isinstance(component, dict) and "description" in component:
                    component["description"] = _reduce_map(component["description"], languages)
    return result


def _canonical_body(statement: Mapping[str, Any], languages: Sequence[str],
                    definitions: Mapping[str, Mapping[str, Any]],
                    verb_displays: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    result = normalize_context_activities(statement)
    verb = result.get("verb")
    if isinstance(verb, dict):
        if verb.get("id") in verb_displays:
            verb["display"] = dict(verb_displays[verb["id"]])
        if "display" in verb:
            verb["display"] = _reduce_map(verb["display"], languages)
    obj = result.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            result["object"] = _canonical_activity(obj, languages, definitions)
        elif object_type == "SubStatement":
            result["object"] = _canonical_body(obj, languages, definitions, verb_displays)
    activities = (result.get("context") or {}).get("contextActivities")
    if isinstance(activities, dict):
        for key, items in activities.items():
            activities[key] = [_canonical_activity(item, languages, definitions) for item in items]
    return result


def canonical(
    statement: Mapping[str, Any],
    languages: str | Sequence[str] | None,
    *,
    activity_definitions: Mapping[str, Mapping[str, Any]] | None = None,
    verb_displays: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """Render ``format=canonical`` (Communication 2.1.3.s4).

    ``languages`` is the raw ``Accept-Language`` header or a list of ranges, best first.
    Activities (object, contextActivities, inside a SubStatement) get the LRS's
    canonical definition from ``activity_definitions`` (by Activity id) when it has
    one, verbs their canonical display from ``verb_displays`` (by verb id); then every
    activity name/description, interaction component description and verb display is
    reduced to the single best language. Agents and Groups are returned as in
    ``exact``.
    """
    ranges = parse_accept_language(languages) if isinstance(languages, str) else list(languages or [])
    return _canonical_body(statement, ranges, activity_definitions or {}, verb_displays or {})


# --------------------------------------------------------------------------- format=ids


def _ids_actor(actor: Any) -> Any:
    if not isinstance(actor, dict):
        return actor
    result: dict[str, Any] = {"objectType": actor.get("objectType", "Agent")}
    for key in IFI_KEYS:
        if key in actor:
            result[key] = copy_json(actor[key])
    if result["objectType"] == "Group" and len(result) == 1 and isinstance(actor.get("member"), list):
        result["member"] = [_ids_actor(member) for member in actor["member"]]
    return result


def _ids_activity(activity: Any) -> Any:
    if not isinstance(activity, dict):
        return activity
    return {"objectType": "Activity", "id": activity.get("id")}


def _ids_body(statement: Mapping[str, Any]) -> dict[str, Any]:
    result = normalize_context_activities(statement)
    result["actor"] = _ids_actor(result.get("actor"))
    if isinstance(result.get("verb"), dict):
        result["verb"] = {"id": result["verb"].get("id")}
    obj = result.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            result["object"] = _ids_activity(obj)
        elif object_type in ("Agent", "Group"):
            result["object"] = _ids_actor(obj)
        elif object_type == "SubStatement":
            result["object"] = _ids_body(obj)
    if "authority" in result:
        result["authority"] = _ids_actor(result["authority"])
    context = result.get("context")
    if isinstance(context, dict):
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_actor(context[key])
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            for key, items in activities.items():
                activities[key] = [_ids_activity(item) for item in items]
    return result


def ids_format(statement: Mapping[str, Any]) -> dict[str, Any]:
    """Render ``format=ids``: Agents/identified Groups reduced to objectType + IFI,
    anonymous Groups to their members' IFIs, Activities to their id, Verbs to their id
    (no display, Data 2.4.3.s6.b2)."""
    return _ids_body(statement)


# --------------------------------------------------------------------------- agents


def _normalize_mbox(mbox: str) -> str:
    """Lower-case the scheme and the (case-insensitive) domain of a mailto IRI."""
    scheme, _, address = mbox.partition(":")
    local, at, domain = address.rpartition("@")
    return f"{scheme.lower()}:{local}{at}{domain.lower()}"


def agent_ifi(agent: Mapping[str, Any]) -> str:
    """Canonical key of an Agent's or identified Group's IFI, for indexing and matching.

    ``mbox:mailto:a@example.com`` (domain lower-cased), ``mbox_sha1sum:<lower hex>``,
    ``openid:<uri>``, ``account:<homePage> <name>`` (unambiguous: an IRI has no
    spaces). Raises ``ValueError`` for an anonymous Group (it has no IFI).
    """
    if isinstance(agent.get("mbox"), str):
        return "mbox:" + _normalize_mbox(agent["mbox"])
    if isinstance(agent.get("mbox_sha1sum"), str):
        return "mbox_sha1sum:" + agent["mbox_sha1sum"].lower()
    if isinstance(agent.get("openid"), str):
        return "openid:" + agent["openid"]
    account = agent.get("account")
    if isinstance(account, Mapping):
        return f"account:{account.get('homePage')} {account.get('name')}"
    raise ValueError("this Agent/Group has no inverse functional identifier")


def _actor_keys(actor: Any) -> set[str]:
    """IFI keys of an Agent/Group and of a Group's members (Communication 2.1.3 agent filter)."""
    if not isinstance(actor, Mapping):
        return set()
    keys: set[str] = set()
    try:
        keys.add(agent_ifi(actor))
    except ValueError:
        pass
    for member in actor.get("member") or []:
        if isinstance(member, Mapping):
            keys |= _actor_keys(member)
    return keys


@dataclass(frozen=True)
class StatementIndex:
    """The values GET Statements filters on, extracted from a stored Statement.

    ``actor_keys``/``object_agent_keys`` serve the ``agent`` filter (Actor or Object,
    Group members included); ``related_agent_keys`` serve ``related_agents=true``
    (Actor, Object, Authority, Instructor, Team, and those of a SubStatement);
    ``related_activity_ids`` serve ``related_activities=true`` (Object, context
    Activities, and those of a SubStatement). ``statement_ref`` is the id targeted by
    a StatementRef object (voiding, and the StatementRef filter rule).
    """

    verb_id: str
    registration: str | None
    actor_keys: frozenset[str]
    object_agent_keys: frozenset[str]
    object_activity_id: str | None
    statement_ref: str | None
    voids: str | None
    related_agent_keys: frozenset[str] = field(default_factory=frozenset)
    related_activity_ids: frozenset[str] = field(default_factory=frozenset)


def _context_activity_ids(context: Any) -> set[str]:
    activities = (context or {}).get("contextActivities") if isinstance(context, Mapping) else None
    ids: set[str] = set()
    if isinstance(activities, Mapping):
        for items in activities.values():
            for item in items if isinstance(items, list) else [items]:
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    ids.add(item["id"])
    return ids


def _related(statement: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    agents = _actor_keys(statement.get("actor")) | _actor_keys(statement.get("authority"))
    activities = _context_activity_ids(statement.get("context"))
    context = statement.get("context")
    if isinstance(context, Mapping):
        agents |= _actor_keys(context.get("instructor")) | _actor_keys(context.get("team"))
    obj = statement.get("object")
    if isinstance(obj, Mapping):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity" and isinstance(obj.get("id"), str):
            activities.add(obj["id"])
        elif object_type in ("Agent", "Group"):
            agents |= _actor_keys(obj)
        elif object_type == "SubStatement":
            sub_agents, sub_activities = _related(obj)
            agents |= sub_agents
            activities |= sub_activities
    return agents, activities


def index_statement(statement: Mapping[str, Any]) -> StatementIndex:
    """Extract the filter keys of a (prepared) Statement for the database layer."""
    obj = statement.get("object") or {}
    object_type = obj.get("objectType", "Activity")
    verb_id = str((statement.get("verb") or {}).get("id", ""))
    ref = obj.get("id") if object_type == "StatementRef" else None
    agents, activities = _related(statement)
    return StatementIndex(
        verb_id=verb_id,
        registration=((statement.get("context") or {}).get("registration") or None),
        actor_keys=frozenset(_actor_keys(statement.get("actor"))),
        object_agent_keys=frozenset(_actor_keys(obj) if object_type in ("Agent", "Group") else ()),
        object_activity_id=obj.get("id") if object_type == "Activity" else None,
        statement_ref=ref.lower() if isinstance(ref, str) else None,
        voids=ref.lower() if isinstance(ref, str) and verb_id == VOIDED_VERB else None,
        related_agent_keys=frozenset(agents),
        related_activity_ids=frozenset(activities),
    )


# --------------------------------------------------------------------------- comparison


def _comparable_actor(actor: Any) -> Any:
    if not isinstance(actor, dict):
        return actor
    result = dict(actor)
    if isinstance(result.get("mbox"), str):
        result["mbox"] = _normalize_mbox(result["mbox"])
    if isinstance(result.get("mbox_sha1sum"), str):
        result["mbox_sha1sum"] = result["mbox_sha1sum"].lower()
    if isinstance(result.get("member"), list):  # unordered (Data 2.3.1.b5)
        members = [_comparable_actor(member) for member in result["member"]]
        result["member"] = sorted(members, key=lambda item: json.dumps(item, sort_keys=True))
    return result


def _comparable_time(value: Any) -> Any:
    try:
        moment = parse_timestamp(value)
    except ValueError:
        return value
    return format_timestamp(moment)


def _comparable_body(statement: Mapping[str, Any]) -> dict[str, Any]:
    result = normalize_context_activities(statement)
    for key in ("actor", "authority"):
        if key in result:
            result[key] = _comparable_actor(result[key])
    obj = result.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type in ("Agent", "Group"):
            result["object"] = _comparable_actor(obj)
        elif object_type == "SubStatement":
            result["object"] = _comparable_body(obj)
        elif object_type == "StatementRef" and isinstance(obj.get("id"), str):
            obj["id"] = obj["id"].lower()
    context = result.get("context")
    if isinstance(context, dict):
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _comparable_actor(context[key])
        if isinstance(context.get("registration"), str):
            context["registration"] = context["registration"].lower()
        if isinstance(context.get("statement"), dict) and isinstance(context["statement"].get("id"), str):
            context["statement"]["id"] = context["statement"]["id"].lower()
    if isinstance(result.get("id"), str):
        result["id"] = result["id"].lower()
    if "timestamp" in result:
        result["timestamp"] = _comparable_time(result["timestamp"])
    outcome = result.get("result")
    if isinstance(outcome, dict) and isinstance(outcome.get("duration"), str):
        outcome["duration"] = truncate_duration(outcome["duration"])
    return result


def _drop(statement: dict[str, Any], keys: Iterable[str]) -> None:
    for key in keys:
        statement.pop(key, None)


def statements_equivalent(
    a: Mapping[str, Any], b: Mapping[str, Any], *, ignore_attachments: bool = False
) -> bool:
    """True if two Statements match under the comparison requirements (Data 2.3.1.s9).

    Ignored, because they are exceptions to immutability: ``stored`` and ``authority``
    (always LRS-assigned); ``id``, ``timestamp`` and ``version`` when only one side
    has them (LRS-assigned on the other); timestamp serialisation (compared as instants);
    the order of Group members; the case of mbox domains and hex digests; a single
    context Activity versus a one-element array; duration precision beyond 0.01 s; and,
    with ``ignore_attachments=True``, attachments (for JWS payload checks). Everything
    else - verb display and activity definitions included - must be equal.
    """
    left, right = _comparable_body(a), _comparable_body(b)
    _drop(left, _OVERWRITTEN)
    _drop(right, _OVERWRITTEN)
    for key in _ASSIGNABLE:
        if (key in left) != (key in right):
            left.pop(key, None)
            right.pop(key, None)
    if ignore_attachments:
        _drop(left, ("attachments",))
        _drop(right, ("attachments",))
    return left == right and _same_number_types(left, right)


def _same_number_types(left: Any, right: Any) -> bool:
    """``True == 1`` in Python; xAPI booleans and numbers are different types."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right)
    if isinstance(left, dict) and isinstance(right, dict):
        return all(_same_number_types(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return all(_same_number_types(x, y) for x, y in zip(left, right, strict=True))
    return True
