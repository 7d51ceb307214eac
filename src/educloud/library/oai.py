"""OAI-PMH 2.0 data provider: this node's public and circle resources, in ``oai_dc``.

Protocol decisions (see docs/decisions/0003-library-files-and-federation.md):

- Identifiers: ``oai:<EDUCLOUD_NODE_ID>:<resource uid>``. Only *local* resources are published
  (harvested copies of other nodes' records are not re-exported, so federations do not loop).
- Records: local resources ever published as public or circle (``Resource.oai_exposed``). One
  that is withdrawn, or narrowed to a smaller visibility, is answered as a deleted record
  (``status="deleted"``, header only). ``deletedRecord=persistent``: we never forget them.
- Datestamp: ``Resource.modified_at`` in UTC, granularity ``YYYY-MM-DDThh:mm:ssZ``; ``from``
  and ``until`` accept that or ``YYYY-MM-DD`` and are inclusive.
- Sets: ``province`` > ``province:500000`` | ``province:510000``; ``subject`` > ``subject:<code>``.
- Resumption tokens are stateless: a signed (``django.core.signing``) record of the request's
  arguments plus a keyset cursor (last ``modified_at``, ``id``) and the count sent so far. A
  token that fails its signature or does not decode is ``badResumptionToken``.
- ``oai_dc`` carries machine-readable codes as ``info:educloud/<facet>/<code>`` values next to
  the Chinese labels (subject, stage, grade, type, province, city, visibility), so another
  educloud node can import the record faithfully; other harvesters just see extra values.

Errors are HTTP 200 with an ``<error code=...>`` as the protocol requires.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from educloud.library import conf, vocab
from educloud.library.models import Resource

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
ET.register_namespace("", OAI_NS)
ET.register_namespace("oai_dc", OAI_DC_NS)
ET.register_namespace("dc", DC_NS)
ET.register_namespace("xsi", XSI_NS)

VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
_TOKEN_SALT = "educloud.library.oai.resumption"  # noqa: S105 — a signing salt, not a secret
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_SET_SPEC = re.compile(r"^(province|subject)(:([A-Za-z0-9_]+))?$")
INFO = "info:educloud/"
DCMI_TYPES = {
    "video": "MovingImage",
    "lesson": "MovingImage",
    "audio": "Sound",
    "image": "StillImage",
    "course": "InteractiveResource",
    "courseware": "InteractiveResource",
}


class OAIError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ListArgs:
    verb: str
    prefix: str
    from_: datetime | None
    until: datetime | None  # exclusive upper bound (already widened to the granularity)
    set_spec: str
    after: tuple[datetime, int] | None
    cursor: int
    raw_from: str
    raw_until: str


def _q(tag: str, ns: str = OAI_NS) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = OAI_NS, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _q(tag, ns), attrs)
    if text is not None:
        el.text = text
    return el


def datestamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datestamp(value: str, *, name: str, upper: bool) -> datetime:
    """A UTC datetime; an ``until`` bound is returned exclusive (end of its second or day)."""
    try:
        if _SECOND.match(value):
            dt = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return dt + timedelta(seconds=1) if upper else dt
        if _DAY.match(value):
            dt = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return dt + timedelta(days=1) if upper else dt
    except ValueError:
        pass
    raise OAIError(
        "badArgument", f"'{name}' must be a UTC datestamp YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got {value!r}"
    )


def oai_identifier(resource: Resource) -> str:
    return f"oai:{conf.node_id()}:{resource.uid}"


def _resource_by_identifier(identifier: str) -> Resource:
    prefix = f"oai:{conf.node_id()}:"
    if identifier.startswith(prefix):
        try:
            uid = uuid.UUID(identifier[len(prefix) :])
        except ValueError:
            uid = None
        if uid is not None:
            resource = _records().filter(uid=uid).first()
            if resource is not None:
                return resource
    raise OAIError("idDoesNotExist", f"No record with identifier {identifier!r} in this repository")


def _records() -> QuerySet[Resource]:
    return Resource.objects.filter(oai_exposed=True, harvest_source__isnull=True)


def _is_deleted(resource: Resource) -> bool:
    return not (
        resource.status == Resource.Status.PUBLISHED
        and resource.visibility in (Resource.Visibility.PUBLIC, Resource.Visibility.CIRCLE)
    )


def all_sets() -> list[tuple[str, str]]:
    sets = [("province", "按省（市）"), *((f"province:{c}", n) for c, n in vocab.PROVINCES.items())]
    sets += [("subject", "按学科"), *((f"subject:{c}", n) for c, n in vocab.SUBJECTS.items())]
    return sets


def _set_filter(spec: str) -> Q:
    match = _SET_SPEC.match(spec)
    if not match or spec not in dict(all_sets()):
        raise OAIError("noRecordsMatch", f"No set {spec!r} in this repository (see ListSets)")
    family, _, code = match.groups()
    if not code:
        return Q(province_code__in=list(vocab.PROVINCES)) if family == "province" else ~Q(subject="")
    return Q(province_code=code) if family == "province" else Q(subject=code)


def _set_specs(resource: Resource) -> list[str]:
    specs = []
    if resource.province_code in vocab.PROVINCES:
        specs += ["province", f"province:{resource.province_code}"]
    if resource.subject:
        specs += ["subject", f"subject:{resource.subject}"]
    return specs


# ---------------------------------------------------------------- envelope


def _envelope(
    request_url: str, args: dict[str, str], *, echo_args: bool = True
) -> tuple[ET.Element, ET.Element]:
    root = ET.Element(_q("OAI-PMH"))
    root.set(
        _q("schemaLocation", XSI_NS),
        f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    )
    _sub(root, "responseDate", datestamp(timezone.now()))
    req = _sub(root, "request", request_url)
    if echo_args:
        for key, value in args.items():
            req.set(key, value)
    return root, req


def _serialize(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def error_response(request_url: str, args: dict[str, str], error: OAIError) -> bytes:
    echo = error.code not in ("badVerb", "badArgument")
    root, _ = _envelope(request_url, args, echo_args=echo)
    _sub(root, "error", error.message, code=error.code)
    return _serialize(root)


# ---------------------------------------------------------------- the six verbs


def handle(request_url: str, params: dict[str, list[str]], *, record_url: Any) -> bytes:
    """Answer one OAI-PMH request. ``params`` maps names to all their values (repeats are errors).

    ``record_url(resource)`` gives the absolute URL of a resource's page (dc:identifier).
    """
    args = {k: v[-1] for k, v in params.items()}
    try:
        verb_values = params.get("verb", [])
        if len(verb_values) != 1:
            raise OAIError("badVerb", "The request must have exactly one 'verb' argument")
        verb = verb_values[0]
        if verb not in VERBS:
            raise OAIError("badVerb", f"Illegal OAI verb: {verb!r}")
        repeated = sorted(k for k, v in params.items() if len(v) > 1)
        if repeated:
            raise OAIError("badArgument", f"Repeated argument: {', '.join(repeated)}")
        required, optional = VERBS[verb]
        given = set(args) - {"verb"}
        unknown = given - required - optional
        if unknown:
            raise OAIError("badArgument", f"Illegal argument(s) for {verb}: {', '.join(sorted(unknown))}")
        if "resumptionToken" in given:
            if given != {"resumptionToken"}:
                raise OAIError("badArgument", "resumptionToken is an exclusive argument")
        else:
            missing = required - given
            if missing:
                raise OAIError("badArgument", f"Missing required argument(s): {', '.join(sorted(missing))}")
        root, _ = _envelope(request_url, args)
        body = _sub(root, verb)
        {
            "Identify": _identify,
            "ListMetadataFormats": _list_metadata_formats,
            "ListSets": _list_sets,
            "GetRecord": _get_record,
            "ListIdentifiers": _list,
            "ListRecords": _list,
        }[verb](body, args, request_url=request_url, record_url=record_url, verb=verb)
        return _serialize(root)
    except OAIError as error:
        return error_response(request_url, args, error)


def _identify(body: ET.Element, args: dict[str, str], **ctx: Any) -> None:
    earliest = _records().aggregate(m=Min("modified_at"))["m"] or datetime(2026, 1, 1, tzinfo=UTC)
    _sub(body, "repositoryName", conf.node_name())
    _sub(body, "baseURL", ctx["request_url"])
    _sub(body, "protocolVersion", "2.0")
    _sub(body, "adminEmail", conf.admin_email())
    _sub(body, "earliestDatestamp", datestamp(earliest))
    _sub(body, "deletedRecord", "persistent")
    _sub(body, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    description = _sub(body, "description")
    ident = ET.SubElement(description, _q("oai-identifier", ID_NS))
    ident.set(_q("schemaLocation", XSI_NS), f"{ID_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
    for tag, text in (
        ("scheme", "oai"),
        ("repositoryIdentifier", conf.node_id()),
        ("delimiter", ":"),
        ("sampleIdentifier", f"oai:{conf.node_id()}:00000000-0000-4000-8000-000000000000"),
    ):
        _sub(ident, tag, text, ns=ID_NS)


def _check_prefix(prefix: str) -> None:
    if prefix != "oai_dc":
        raise OAIError(
            "cannotDisseminateFormat", f"Metadata format {prefix!r} is not supported (only oai_dc)"
        )


def _list_metadata_formats(body: ET.Element, args: dict[str, str], **ctx: Any) -> None:
    if "identifier" in args:
        _resource_by_identifier(args["identifier"])  # idDoesNotExist; every record has oai_dc
    fmt = _sub(body, "metadataFormat")
    _sub(fmt, "metadataPrefix", "oai_dc")
    _sub(fmt, "schema", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    _sub(fmt, "metadataNamespace", OAI_DC_NS)


def _list_sets(body: ET.Element, args: dict[str, str], **ctx: Any) -> None:
    if "resumptionToken" in args:
        raise OAIError(
            "badResumptionToken", "ListSets is answered in one response: no resumption token is valid"
        )
    for spec, name in all_sets():
        s = _sub(body, "set")
        _sub(s, "setSpec", spec)
        _sub(s, "setName", name)


def _get_record(body: ET.Element, args: dict[str, str], **ctx: Any) -> None:
    _check_prefix(args["metadataPrefix"])
    resource = _resource_by_identifier(args["identifier"])
    _record(body, resource, record_url=ctx["record_url"], with_metadata=True)


def _header(parent: ET.Element, resource: Resource) -> None:
    attrs = {"status": "deleted"} if _is_deleted(resource) else {}
    header = _sub(parent, "header", **attrs)
    _sub(header, "identifier", oai_identifier(resource))
    _sub(header, "datestamp", datestamp(resource.modified_at))
    for spec in _set_specs(resource):
        _sub(header, "setSpec", spec)


def _record(parent: ET.Element, resource: Resource, *, record_url: Any, with_metadata: bool) -> None:
    if not with_metadata:
        _header(parent, resource)
        return
    record = _sub(parent, "record")
    _header(record, resource)
    if _is_deleted(resource):
        return
    metadata = _sub(record, "metadata")
    dc = ET.SubElement(metadata, _q("dc", OAI_DC_NS))
    dc.set(_q("schemaLocation", XSI_NS), f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def add(tag: str, text: str) -> None:
        if text:
            _sub(dc, tag, text, ns=DC_NS)

    add("title", resource.title)
    add("creator", resource.school.name if resource.school_id else "")
    add("subject", vocab.SUBJECTS.get(resource.subject, ""))
    add("subject", f"{INFO}subject/{resource.subject}" if resource.subject else "")
    for tag in resource.tags or []:
        add("subject", str(tag))
    add("description", resource.description)
    add("publisher", conf.node_name())
    add("date", (resource.published_at or resource.created_at).astimezone(UTC).strftime("%Y-%m-%d"))
    add("type", DCMI_TYPES.get(resource.type, "Text"))
    add("type", vocab.TYPES.get(resource.type, ""))
    add("type", f"{INFO}type/{resource.type}")
    add("type", f"{INFO}stage/{resource.stage}" if resource.stage else "")
    add("type", f"{INFO}grade/{resource.grade}" if resource.grade else "")
    # Prefetched by the list verbs; only approved versions (a new file awaits review unseen).
    versions = [v for v in resource.versions.all() if v.review == v.Review.APPROVED]
    latest = max(versions, key=lambda v: v.number) if versions else None
    add("format", latest.blob.content_type.split(";")[0] if latest else "")
    add("identifier", record_url(resource))
    add("language", resource.language)
    add("rights", vocab.LICENSE_URIS.get(resource.license, vocab.LICENSES.get(resource.license, "")))
    add("rights", f"{INFO}license/{resource.license}")
    add("rights", f"{INFO}visibility/{resource.visibility}")
    add("coverage", vocab.PROVINCES.get(resource.province_code, ""))
    add("coverage", f"{INFO}province/{resource.province_code}" if resource.province_code else "")
    add("coverage", f"{INFO}city/{resource.city_code}" if resource.city_code else "")


def _list_args(verb: str, args: dict[str, str]) -> ListArgs:
    if "resumptionToken" in args:
        try:
            data = signing.loads(args["resumptionToken"], salt=_TOKEN_SALT)
            if data["v"] != verb:
                raise ValueError("token of another verb")
            after = (datetime.fromisoformat(data["a"][0]), int(data["a"][1])) if data.get("a") else None
            return ListArgs(
                verb=verb,
                prefix=data["p"],
                from_=datetime.fromisoformat(data["f"]) if data.get("f") else None,
                until=datetime.fromisoformat(data["u"]) if data.get("u") else None,
                set_spec=data.get("s", ""),
                after=after,
                cursor=int(data["c"]),
                raw_from="",
                raw_until="",
            )
        except (signing.BadSignature, KeyError, ValueError, TypeError, IndexError) as exc:
            raise OAIError("badResumptionToken", "The resumptionToken is invalid or was altered") from exc
    prefix = args["metadataPrefix"]
    raw_from, raw_until = args.get("from", ""), args.get("until", "")
    from_ = parse_datestamp(raw_from, name="from", upper=False) if raw_from else None
    until = parse_datestamp(raw_until, name="until", upper=True) if raw_until else None
    if raw_from and raw_until and len(raw_from) != len(raw_until):
        raise OAIError("badArgument", "'from' and 'until' must have the same granularity")
    if from_ and until and from_ >= until:
        raise OAIError("badArgument", "'from' must not be later than 'until'")
    return ListArgs(
        verb=verb,
        prefix=prefix,
        from_=from_,
        until=until,
        set_spec=args.get("set", ""),
        after=None,
        cursor=0,
        raw_from=raw_from,
        raw_until=raw_until,
    )


def _token(la: ListArgs, last: Resource, sent: int) -> str:
    return signing.dumps(
        {
            "v": la.verb,
            "p": la.prefix,
            "f": la.from_.isoformat() if la.from_ else "",
            "u": la.until.isoformat() if la.until else "",
            "s": la.set_spec,
            "a": [last.modified_at.isoformat(), last.pk],
            "c": sent,
        },
        salt=_TOKEN_SALT,
        compress=True,
    )


def _list(body: ET.Element, args: dict[str, str], **ctx: Any) -> None:
    verb = ctx["verb"]
    la = _list_args(verb, args)
    _check_prefix(la.prefix)
    qs = _records()
    if la.set_spec:
        qs = qs.filter(_set_filter(la.set_spec))
    if la.from_:
        qs = qs.filter(modified_at__gte=la.from_)
    if la.until:
        qs = qs.filter(modified_at__lt=la.until)
    total = qs.count()
    if la.after:
        at, pk = la.after
        qs = qs.filter(Q(modified_at__gt=at) | Q(modified_at=at, pk__gt=pk))
    size = conf.oai_page_size()
    page = list(
        qs.select_related("school")
        .prefetch_related("versions__blob")
        .order_by("modified_at", "pk")[: size + 1]
    )
    if not page and la.cursor == 0:
        raise OAIError("noRecordsMatch", "No records match the request's from/until/set")
    more = len(page) > size
    page = page[:size]
    for resource in page:
        _record(body, resource, record_url=ctx["record_url"], with_metadata=verb == "ListRecords")
    if more or la.cursor:
        sent = la.cursor + len(page)
        token = _token(la, page[-1], sent) if more and page else ""
        # The last page of a resumed list carries an empty token (the protocol's end marker).
        _sub(body, "resumptionToken", token, completeListSize=str(total), cursor=str(la.cursor))
