"""Statement validation against xAPI 1.0.3 Part Two (Data) and the LRS rules of Part Three.

:func:`validate_statement` checks one Statement (or, with ``is_substatement=True``, the
body of a SubStatement) and raises :class:`XAPIValidationError` naming the JSON path of
the first offending value, e.g. ``actor.mbox`` or ``object.definition.choices[2].id``.
It never modifies its input. What it enforces, by spec section:

* 2.2 Formatting: only properties the spec defines, with the exact key case; ``null``
  nowhere except inside extensions; numbers are JSON numbers, booleans are JSON
  booleans; formatted strings (UUID, IRI, IRL, mailto IRI, language tag, timestamp,
  duration) must follow their format, the empty string included.
* 2.3.2 Voiding: the voiding verb requires a StatementRef object.
* 2.4.1 id: UUID in standard string form.
* 2.4.2 Actor: Agents carry exactly one IFI (mbox ``mailto:`` IRI, mbox_sha1sum of 40
  hex digits, openid URI, account {homePage IRL, name}); anonymous Groups list
  members, identified Groups carry exactly one IFI; members are Agents, never Groups.
* 2.4.3 Verb: ``id`` IRI, ``display`` language map.
* 2.4.4 Object: Activity (id IRI, definition with language maps, type IRI, moreInfo
  IRL, extensions, interactionType and the component lists it supports, component ids
  distinct, correctResponsesPattern a list of strings), Agent/Group (objectType
  mandatory), StatementRef (id UUID), SubStatement (no id/stored/version/authority,
  no nested SubStatement, otherwise validated as a Statement).
* 2.4.5 Result: score (scaled in [-1, 1]; min < max; raw within [min, max]),
  success/completion booleans, response string, duration ISO 8601, extensions.
* 2.4.6 Context: registration UUID, instructor Agent/Group, team Group,
  contextActivities keys parent/grouping/category/other each an Activity or a list of
  Activities, revision/platform only when the object is an Activity, language tag,
  statement StatementRef, extensions.
* 2.4.7/2.4.8 timestamp/stored: ISO 8601 with time zone (see :mod:`.timestamps`).
* 2.4.9 authority: an Agent, or a Group of exactly two Agents (3-legged OAuth).
* 2.4.10 version: must start with ``1.0.``.
* 2.4.11 attachments: usageType IRI, display/description language maps, contentType
  Internet Media Type, length integer, sha2 hex string, fileUrl IRL.
* 4.1 Extensions: keys are IRIs; values are not validated, except that they may nest at
  most ``MAX_JSON_DEPTH`` levels (as JSON text does: :mod:`.jsonparse`), so that no code
  walking a valid Statement recurses without bound, whoever built it.
* 4.2 Language maps: at least one entry, RFC 5646 keys, string values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from .duration import is_duration
from .errors import XAPIValidationError
from .iri import is_iri, is_irl, is_uri
from .jsonparse import MAX_JSON_DEPTH, json_depth_exceeds, parse_json
from .langtag import is_language_tag
from .timestamps import parse_timestamp

__all__ = [
    "INTERACTION_TYPES",
    "SIGNATURE_USAGE_TYPE",
    "VOIDED_VERB",
    "XAPIValidationError",
    "is_uuid",
    "parse_version_header",
    "validate_activity_id",
    "validate_actor",
    "validate_agent_parameter",
    "validate_statement",
    "validate_statements",
    "validate_timestamp_parameter",
    "validate_uuid_parameter",
]

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE_TYPE = "http://adlnet.gov/expapi/attachments/signature"
INTERACTION_TYPES = frozenset(
    {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
     "sequencing", "likert", "numeric", "other"}
)
COMPONENT_LISTS: Mapping[str, frozenset[str]] = {
    "choice": frozenset({"choices"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
}
ALL_COMPONENT_LISTS = frozenset({"choices", "scale", "source", "target", "steps"})
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")

_STATEMENT_KEYS = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
     "authority", "version", "attachments"}
)
_SUBSTATEMENT_KEYS = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
_AGENT_KEYS = frozenset({"objectType", "name", *IFI_KEYS})
_GROUP_KEYS = frozenset({"objectType", "name", "member", *IFI_KEYS})
_ACCOUNT_KEYS = frozenset({"homePage", "name"})
_VERB_KEYS = frozenset({"id", "display"})
_ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
_DEFINITION_KEYS = frozenset(
    {"name", "description", "type", "moreInfo", "extensions", "interactionType",
     "correctResponsesPattern", *ALL_COMPONENT_LISTS}
)
_COMPONENT_KEYS = frozenset({"id", "description"})
_STATEMENT_REF_KEYS = frozenset({"objectType", "id"})
_RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
_SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
_CONTEXT_KEYS = frozenset(
    {"registration", "instructor", "team", "contextActivities", "revision", "platform",
     "language", "statement", "extensions"}
)
_ATTACHMENT_KEYS = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)

_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHA1_RE = re.compile(r"[0-9a-fA-F]{40}")
_SHA2_RE = re.compile(r"[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}")
_MAILTO_RE = re.compile(r"mailto:[^\s@\"(),:;<>\[\]\\]+@[^\s@\"(),:;<>\[\]\\/?#]+")
_MEDIA_WORD = r"[A-Za-z0-9!#$&^_.+\-]+"
_MEDIA_TYPE_RE = re.compile(
    rf"{_MEDIA_WORD}/{_MEDIA_WORD}(?:\s*;\s*{_MEDIA_WORD}=(?:{_MEDIA_WORD}|\"(?:[^\"\\]|\\.)*\"))*\s*"
)
_STATEMENT_VERSION_RE = re.compile(r"1\.0\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z.\-]+)?(?:\+[0-9A-Za-z.\-]+)?")
_HEADER_VERSION_RE = re.compile(r"1\.0(?:\.(?:0|[1-9][0-9]*))?")


# --------------------------------------------------------------------------- helpers


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _index(path: str, position: int) -> str:
    return f"{path}[{position}]"


def _fail(path: str, message: str) -> NoReturn:
    raise XAPIValidationError(path, message)


def _describe(value: object) -> str:
    if value is None:
        return "null"
    return type(value).__name__.replace("dict", "object").replace("list", "array").replace("str", "string")


def _require_object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(path, f"must be a JSON object, not {_describe(value)}")
    return value


def _check_keys(
    obj: Mapping[str, Any], path: str, allowed: Iterable[str], required: Iterable[str] = ()
) -> None:
    allowed_set = frozenset(allowed)
    for key in obj:
        if key not in allowed_set:
            _fail(_join(path, key), "property is not allowed here by xAPI 1.0.3")
    for key in required:
        if key not in obj:
            _fail(_join(path, key), "required property is missing")


def _require_str(value: object, path: str, *, non_empty: bool = False) -> str:
    if not isinstance(value, str):
        _fail(path, f"must be a string, not {_describe(value)}")
    if non_empty and not value:
        _fail(path, "must not be empty")
    return value


def _require_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, f"must be a boolean, not {_describe(value)}")
    return value


def _require_number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(path, f"must be a number, not {_describe(value)}")
    if not math.isfinite(value):
        _fail(path, "must be a finite number")
    return float(value)


def _require_iri(value: object, path: str) -> str:
    text = _require_str(value, path)
    if not is_iri(text):
        _fail(path, f"must be an absolute IRI, got {text!r}")
    return text


def _require_irl(value: object, path: str) -> str:
    text = _require_str(value, path)
    if not is_irl(text):
        _fail(path, f"must be an absolute IRL, got {text!r}")
    return text


def is_uuid(value: object) -> bool:
    """True for a UUID in standard string form (8-4-4-4-12 hex digits, any case)."""
    return isinstance(value, str) and bool(_UUID_RE.fullmatch(value))


def _require_uuid(value: object, path: str) -> str:
    text = _require_str(value, path)
    if not is_uuid(text):
        _fail(path, f"must be a UUID in standard string form, got {text!r}")
    return text


def _require_timestamp(value: object, path: str) -> None:
    try:
        parse_timestamp(value)
    except ValueError as exc:
        _fail(path, f"not a valid ISO 8601 timestamp ({exc})")


def _validate_language_map(value: object, path: str) -> None:
    mapping = _require_object(value, path)
    if not mapping:
        _fail(path, "a language map must have at least one entry")
    for tag, text in mapping.items():
        if not is_language_tag(tag):
            _fail(_join(path, tag), "key is not an RFC 5646 language tag")
        _require_str(text, _join(path, tag))


def _validate_extensions(value: object, path: str) -> None:
    mapping = _require_object(value, path)
    for key, item in mapping.items():
        if not is_iri(key):
            _fail(_join(path, key), "extension keys must be absolute IRIs")
        if isinstance(item, dict | list) and json_depth_exceeds(item, MAX_JSON_DEPTH):
            _fail(_join(path, key), f"extension value nested more than {MAX_JSON_DEPTH} levels deep")


def _require_list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        _fail(path, f"must be an array, not {_describe(value)}")
    return value


# --------------------------------------------------------------------------- agents


def _validate_account(value: object, path: str) -> None:
    account = _require_object(value, path)
    _check_keys(account, path, _ACCOUNT_KEYS, required=_ACCOUNT_KEYS)
    _require_irl(account["homePage"], _join(path, "homePage"))
    _require_str(account["name"], _join(path, "name"), non_empty=True)


def _validate_ifis(obj: Mapping[str, Any], path: str) -> int:
    """Validate whichever IFIs are present and return how many there are."""
    present = [key for key in IFI_KEYS if key in obj]
    for key in present:
        where = _join(path, key)
        value = obj[key]
        if key == "mbox":
            if not isinstance(value, str) or not _MAILTO_RE.fullmatch(value):
                _fail(where, "must be a mailto IRI such as 'mailto:learner@example.com'")
        elif key == "mbox_sha1sum":
            if not isinstance(value, str) or not _SHA1_RE.fullmatch(value):
                _fail(where, "must be the 40-hex-digit SHA-1 of a mailto IRI")
        elif key == "openid":
            if not is_uri(_require_str(value, where)):
                _fail(where, "must be an absolute URI")
        else:
            _validate_account(value, where)
    return len(present)


def _validate_agent(obj: dict[str, Any], path: str) -> None:
    _check_keys(obj, path, _AGENT_KEYS)
    if "objectType" in obj and obj["objectType"] != "Agent":
        _fail(_join(path, "objectType"), "must be 'Agent'")
    if "name" in obj:
        _require_str(obj["name"], _join(path, "name"))
    count = _validate_ifis(obj, path)
    if count != 1:
        _fail(path, f"an Agent must have exactly one inverse functional identifier "
                    f"({', '.join(IFI_KEYS)}); found {count}")


def _validate_group(obj: dict[str, Any], path: str) -> None:
    _check_keys(obj, path, _GROUP_KEYS)
    if "name" in obj:
        _require_str(obj["name"], _join(path, "name"))
    count = _validate_ifis(obj, path)
    if count > 1:
        _fail(path, f"an identified Group must have exactly one inverse functional identifier; found {count}")
    if "member" in obj:
        members = _require_list(obj["member"], _join(path, "member"))
        for position, member in enumerate(members):
            where = _index(_join(path, "member"), position)
            agent = _require_object(member, where)
            if agent.get("objectType", "Agent") != "Agent":
                _fail(_join(where, "objectType"), "Group members must be Agents, not Groups")
            _validate_agent(agent, where)
    if count == 0 and not obj.get("member"):
        _fail(_join(path, "member"), "an anonymous Group must list at least one member")


def validate_actor(value: object, path: str = "actor") -> dict[str, Any]:
    """Validate an Agent or Group (``objectType`` absent means Agent); return it."""
    obj = _require_object(value, path)
    object_type = obj.get("objectType", "Agent")
    if object_type == "Group":
        _validate_group(obj, path)
    elif object_type == "Agent":
        _validate_agent(obj, path)
    else:
        _fail(_join(path, "objectType"), "must be 'Agent' or 'Group'")
    return obj


def _validate_authority(value: object, path: str) -> None:
    obj = validate_actor(value, path)
    if obj.get("objectType") == "Group":
        # Data 2.4.9.s3 (XAPI-00100): a Group authority only stands for 3-legged OAuth, an
        # *anonymous* Group of the application's and the user's Agents; an identified Group
        # (one with an IFI) is some other group of people and cannot vouch for a Statement.
        if any(key in obj for key in IFI_KEYS):
            _fail(path, "a Group authority (3-legged OAuth) must be an anonymous Group, without an IFI")
        members = obj.get("member")
        if not isinstance(members, list) or len(members) != 2:
            _fail(_join(path, "member"), "a Group authority (3-legged OAuth) must have exactly two Agents")


# --------------------------------------------------------------------------- verb / object


def _validate_verb(value: object, path: str) -> dict[str, Any]:
    verb = _require_object(value, path)
    _check_keys(verb, path, _VERB_KEYS, required=("id",))
    _require_iri(verb["id"], _join(path, "id"))
    if "display" in verb:
        _validate_language_map(verb["display"], _join(path, "display"))
    return verb


def _validate_components(value: object, path: str) -> None:
    components = _require_list(value, path)
    seen: set[str] = set()
    for position, item in enumerate(components):
        where = _index(path, position)
        component = _require_object(item, where)
        _check_keys(component, where, _COMPONENT_KEYS, required=("id",))
        component_id = _require_str(component["id"], _join(where, "id"), non_empty=True)
        if component_id in seen:
            _fail(_join(where, "id"), f"interaction component id {component_id!r} is not distinct")
        seen.add(component_id)
        if "description" in component:
            _validate_language_map(component["description"], _join(where, "description"))


def _validate_interaction(definition: dict[str, Any], path: str) -> None:
    lists_present = [key for key in sorted(ALL_COMPONENT_LISTS) if key in definition]
    if "interactionType" not in definition:
        for key in ("correctResponsesPattern", *lists_present):
            if key in definition:
                _fail(_join(path, key), "only allowed on interaction Activities (interactionType missing)")
        return
    interaction_type = definition["interactionType"]
    where = _join(path, "interactionType")
    if not isinstance(interaction_type, str) or interaction_type not in INTERACTION_TYPES:
        _fail(where, f"must be one of {', '.join(sorted(INTERACTION_TYPES))}")
    supported = COMPONENT_LISTS.get(interaction_type, frozenset())
    for key in lists_present:
        if key not in supported:
            _fail(_join(path, key), f"component list not supported for interactionType {interaction_type!r}")
        _validate_components(definition[key], _join(path, key))
    if "correctResponsesPattern" in definition:
        where = _join(path, "correctResponsesPattern")
        for position, pattern in enumerate(_require_list(definition["correctResponsesPattern"], where)):
            _require_str(pattern, _index(where, position))


def _validate_definition(value: object, path: str) -> None:
    definition = _require_object(value, path)
    _check_keys(definition, path, _DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in definition:
            _validate_language_map(definition[key], _join(path, key))
    if "type" in definition:
        _require_iri(definition["type"], _join(path, "type"))
    if "moreInfo" in definition:
        _require_irl(definition["moreInfo"], _join(path, "moreInfo"))
    if "extensions" in definition:
        _validate_extensions(definition["extensions"], _join(path, "extensions"))
    _validate_interaction(definition, path)


def _validate_activity(value: object, path: str) -> None:
    activity = _require_object(value, path)
    _check_keys(activity, path, _ACTIVITY_KEYS, required=("id",))
    if "objectType" in activity and activity["objectType"] != "Activity":
        _fail(_join(path, "objectType"), "must be 'Activity'")
    _require_iri(activity["id"], _join(path, "id"))
    if "definition" in activity:
        _validate_definition(activity["definition"], _join(path, "definition"))


def _validate_statement_ref(value: object, path: str) -> None:
    ref = _require_object(value, path)
    _check_keys(ref, path, _STATEMENT_REF_KEYS, required=("objectType", "id"))
    if ref["objectType"] != "StatementRef":
        _fail(_join(path, "objectType"), "must be 'StatementRef'")
    _require_uuid(ref["id"], _join(path, "id"))


def _validate_object(value: object, path: str, *, in_substatement: bool, version: str) -> str:
    """Validate a Statement's object and return its objectType (defaulting to Activity)."""
    obj = _require_object(value, path)
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        _validate_activity(obj, path)
    elif object_type in ("Agent", "Group"):
        validate_actor(obj, path)
    elif object_type == "StatementRef":
        _validate_statement_ref(obj, path)
    elif object_type == "SubStatement":
        if in_substatement:
            _fail(_join(path, "objectType"), "a SubStatement must not contain another SubStatement")
        _validate_statement_body(obj, path, is_substatement=True, version=version)
    else:
        _fail(_join(path, "objectType"), "must be Activity, Agent, Group, StatementRef or SubStatement")
    return str(object_type)


# --------------------------------------------------------------------------- result / context


def _validate_score(value: object, path: str) -> None:
    score = _require_object(value, path)
    _check_keys(score, path, _SCORE_KEYS)
    numbers = {key: _require_number(score[key], _join(path, key)) for key in _SCORE_KEYS if key in score}
    if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
        _fail(_join(path, "scaled"), "must be between -1 and 1 inclusive")
    low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
    if low is not None and high is not None and not low < high:
        _fail(_join(path, "min"), "must be less than max")
    if raw is not None and low is not None and raw < low:
        _fail(_join(path, "raw"), "must not be less than min")
    if raw is not None and high is not None and raw > high:
        _fail(_join(path, "raw"), "must not be greater than max")


def _validate_result(value: object, path: str) -> None:
    result = _require_object(value, path)
    _check_keys(result, path, _RESULT_KEYS)
    if "score" in result:
        _validate_score(result["score"], _join(path, "score"))
    for key in ("success", "completion"):
        if key in result:
            _require_bool(result[key], _join(path, key))
    if "response" in result:
        _require_str(result["response"], _join(path, "response"))
    if "duration" in result:
        duration = _require_str(result["duration"], _join(path, "duration"))
        if not is_duration(duration):
            _fail(_join(path, "duration"), f"must be an ISO 8601 duration like 'PT1H30M', got {duration!r}")
    if "extensions" in result:
        _validate_extensions(result["extensions"], _join(path, "extensions"))


def _validate_context_activities(value: object, path: str) -> None:
    mapping = _require_object(value, path)
    _check_keys(mapping, path, CONTEXT_ACTIVITY_KEYS)
    for key, entry in mapping.items():
        where = _join(path, key)
        if isinstance(entry, list):
            for position, activity in enumerate(entry):
                _validate_activity(activity, _index(where, position))
        else:
            _validate_activity(entry, where)


def _validate_context(value: object, path: str, *, object_type: str) -> None:
    context = _require_object(value, path)
    _check_keys(context, path, _CONTEXT_KEYS)
    if "registration" in context:
        _require_uuid(context["registration"], _join(path, "registration"))
    if "instructor" in context:
        validate_actor(context["instructor"], _join(path, "instructor"))
    if "team" in context:
        team = _require_object(context["team"], _join(path, "team"))
        if team.get("objectType") != "Group":
            _fail(_join(path, "team.objectType"), "the team must be a Group (objectType 'Group')")
        validate_actor(team, _join(path, "team"))
    if "contextActivities" in context:
        _validate_context_activities(context["contextActivities"], _join(path, "contextActivities"))
    for key in ("revision", "platform"):
        if key in context:
            _require_str(context[key], _join(path, key))
            if object_type != "Activity":
                _fail(_join(path, key), "only allowed when the Statement's object is an Activity")
    if "language" in context:
        language = _require_str(context["language"], _join(path, "language"))
        if not is_language_tag(language):
            _fail(_join(path, "language"), f"must be an RFC 5646 language tag, got {language!r}")
    if "statement" in context:
        _validate_statement_ref(context["statement"], _join(path, "statement"))
    if "extensions" in context:
        _validate_extensions(context["extensions"], _join(path, "extensions"))


# --------------------------------------------------------------------------- attachments


def _validate_attachment(value: object, path: str) -> None:
    attachment = _require_object(value, path)
    _check_keys(attachment, path, _ATTACHMENT_KEYS,
                required=("usageType", "display", "contentType", "length", "sha2"))
    _require_iri(attachment["usageType"], _join(path, "usageType"))
    _validate_language_map(attachment["display"], _join(path, "display"))
    if "description" in attachment:
        _validate_language_map(attachment["description"], _join(path, "description"))
    content_type = _require_str(attachment["contentType"], _join(path, "contentType"))
    if not _MEDIA_TYPE_RE.fullmatch(content_type):
        _fail(_join(path, "contentType"), f"must be an Internet Media Type, got {content_type!r}")
    length = attachment["length"]
    if isinstance(length, bool) or not isinstance(length, int):
        _fail(_join(path, "length"), f"must be an integer, not {_describe(length)}")
    if length < 0:
        _fail(_join(path, "length"), "must not be negative")
    sha2 = _require_str(attachment["sha2"], _join(path, "sha2"))
    if not _SHA2_RE.fullmatch(sha2):
        _fail(_join(path, "sha2"), "must be a hex SHA-2 digest (SHA-224/256/384/512)")
    if "fileUrl" in attachment:
        _require_irl(attachment["fileUrl"], _join(path, "fileUrl"))


def _validate_attachments(value: object, path: str) -> None:
    for position, attachment in enumerate(_require_list(value, path)):
        _validate_attachment(attachment, _index(path, position))


# --------------------------------------------------------------------------- statements


def _validate_statement_body(obj: dict[str, Any], path: str, *, is_substatement: bool, version: str) -> None:
    if is_substatement:
        for forbidden in ("id", "stored", "version", "authority"):
            if forbidden in obj:
                _fail(_join(path, forbidden), "a SubStatement must not have this property")
        _check_keys(obj, path, _SUBSTATEMENT_KEYS, required=("objectType", "actor", "verb", "object"))
        if obj["objectType"] != "SubStatement":
            _fail(_join(path, "objectType"), "must be 'SubStatement'")
    else:
        _check_keys(obj, path, _STATEMENT_KEYS, required=("actor", "verb", "object"))
    if "id" in obj:
        _require_uuid(obj["id"], _join(path, "id"))
    validate_actor(obj["actor"], _join(path, "actor"))
    verb = _validate_verb(obj["verb"], _join(path, "verb"))
    object_type = _validate_object(obj["object"], _join(path, "object"),
                                   in_substatement=is_substatement, version=version)
    if verb["id"] == VOIDED_VERB and object_type != "StatementRef":
        _fail(_join(path, "object.objectType"), "a voiding Statement's object must be a StatementRef")
    if "result" in obj:
        _validate_result(obj["result"], _join(path, "result"))
    if "context" in obj:
        _validate_context(obj["context"], _join(path, "context"), object_type=object_type)
    for key in ("timestamp", "stored"):
        if key in obj:
            _require_timestamp(obj[key], _join(path, key))
    if "authority" in obj:
        _validate_authority(obj["authority"], _join(path, "authority"))
    if "version" in obj:
        statement_version = _require_str(obj["version"], _join(path, "version"))
        if not _STATEMENT_VERSION_RE.fullmatch(statement_version):
            _fail(_join(path, "version"), f"must be a 1.0.x version, got {statement_version!r}")
    if "attachments" in obj:
        _validate_attachments(obj["attachments"], _join(path, "attachments"))


def validate_statement(obj: object, *, version: str = "1.0.3", is_substatement: bool = False,
                       path: str = "") -> None:
    """Validate one Statement (or SubStatement body); raise ``XAPIValidationError``.

    ``version`` is the request's ``X-Experience-API-Version`` (any 1.0.x; the data
    model is the same for all of them). ``path`` prefixes error paths, e.g. ``[3]`` for
    the fourth Statement of a batch.
    """
    parse_version_header(version)
    statement = _require_object(obj, path)
    _validate_statement_body(statement, path, is_substatement=is_substatement, version=version)


def validate_statements(payload: object, *, version: str = "1.0.3") -> list[dict[str, Any]]:
    """Validate a POST/PUT body: one Statement or an array of them; return them as a list.

    Rejects an empty batch and a batch in which two Statements share an ``id``
    (Communication 2.1.2.s2.b6). Error paths of batch members start with ``[i]``.
    """
    if isinstance(payload, list):
        if not payload:
            _fail("", "the batch of Statements is empty")
        statements = payload
        paths = [_index("", position) for position in range(len(payload))]
    else:
        statements, paths = [payload], [""]
    seen: dict[str, str] = {}
    for statement, where in zip(statements, paths, strict=True):
        validate_statement(statement, version=version, path=where)
        statement_id = statement.get("id")
        if statement_id is not None:
            key = statement_id.lower()
            if key in seen:
                _fail(_join(where, "id"), f"duplicates the id of Statement {seen[key]} in this batch")
            seen[key] = where
    return statements


# --------------------------------------------------------------------------- parameters


def parse_version_header(value: str | None) -> str:
    """Check ``X-Experience-API-Version`` (Communication 3.3) and return the version.

    ``1.0`` is treated as ``1.0.0``; any ``1.0.x`` is accepted; anything else (missing,
    ``0.95``, ``1.1.0``, ``2.0.0``) raises ``XAPIValidationError`` (answer 400).
    """
    if value is None or not value.strip():
        _fail("X-Experience-API-Version", "header is required")
    text = value.strip()
    if not _HEADER_VERSION_RE.fullmatch(text):
        _fail("X-Experience-API-Version", f"unsupported version {text!r}; this LRS speaks 1.0.x")
    return "1.0.0" if text == "1.0" else text


def validate_agent_parameter(
    value: object, *, path: str = "agent", allow_group: bool = False
) -> dict[str, Any]:
    """Validate an ``agent`` query parameter (JSON text or an already parsed object).

    Document resources take an Agent (Communication 2.3, 2.6); the Statement resource's
    ``agent`` filter also takes an identified Group (``allow_group=True``). Returns the
    parsed object.
    """
    if isinstance(value, str | bytes):
        try:
            value = parse_json(value)
        except XAPIValidationError as exc:
            _fail(path, exc.detail)
    obj = _require_object(value, path)
    if obj.get("objectType") == "Group":
        if not allow_group:
            _fail(_join(path, "objectType"), "must be an Agent, not a Group")
        _validate_group(obj, path)
        if _validate_ifis(obj, path) != 1:
            _fail(path, "must be an identified Group (exactly one inverse functional identifier)")
        return obj
    return validate_actor(obj, path)


def validate_activity_id(value: object, path: str = "activityId") -> str:
    """Validate an Activity id parameter (an absolute IRI)."""
    return _require_iri(value, path)


def validate_uuid_parameter(value: object, path: str = "registration") -> str:
    """Validate a UUID parameter such as ``registration`` or ``statementId``."""
    return _require_uuid(value, path)


def validate_timestamp_parameter(value: object, path: str = "since") -> str:
    """Validate a Timestamp parameter such as ``since`` or ``until``; return it."""
    _require_timestamp(value, path)
    assert isinstance(value, str)
    return value
