"""The xAPI HTTP interface at ``/xapi/`` (plain Django views: the LRS has its own HTTP rules).

Every request passes :func:`_xapi` which, in this order: answers CORS preflights (``OPTIONS``);
unwraps the alternate request syntax (``POST ...?method=PUT`` with the headers, parameters and
``content`` in a form body, Communication 1.3); authenticates the client (HTTP Basic, else 401 with
``WWW-Authenticate``); checks ``X-Experience-API-Version`` (400 unless 1.0.x); refuses parameters
the resource does not define (400); runs the resource handler; answers ``HEAD`` as ``GET`` without
a body; and adds ``X-Experience-API-Version: 1.0.3`` and CORS headers to every answer, errors
included. Errors are ``{"detail": message, "field": json path}`` with the core's status code.

Resources: statements, activities/state, activities/profile, agents/profile, activities, agents,
about. Handlers are thin: parse parameters with the core's validators, call services/selectors,
render.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from educloud.accounts.api import personal_data_access_log
from educloud.lib.client_address import client_address
from educloud.lib.errors import DomainError
from educloud.lrs import documents as docs
from educloud.lrs.auth import client_authenticate
from educloud.lrs.errors import NotFoundError, PayloadTooLarge, PreconditionFailed, Unauthorized
from educloud.lrs.identity import site_base_url
from educloud.lrs.models import Client, Learner
from educloud.lrs.selectors import (
    StatementQuery,
    activity_definitions,
    activity_get,
    attachments_for,
    statement_get,
    statements_query,
)
from educloud.lrs.services import statement_put, statements_store
from educloud.lrs.xapi import (
    XAPIError,
    XAPIValidationError,
    build_multipart,
    canonical,
    evaluate_preconditions,
    format_timestamp,
    ids_format,
    parse_statement_request,
    parse_timestamp,
    parse_version_header,
    validate_activity_id,
    validate_agent_parameter,
    validate_timestamp_parameter,
    validate_uuid_parameter,
)

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
SUPPORTED_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]
MAX_BODY_BYTES = getattr(settings, "EDUCLOUD_LRS_MAX_BODY_BYTES", 64 * 1024 * 1024)
_ALTERNATE_HEADERS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
    "accept-language",
}
_CORS_ALLOW_HEADERS = (
    "Content-Type, Content-Length, Authorization, If-Match, If-None-Match, X-Experience-API-Version, "
    "Accept-Language, X-Requested-With"
)
_CORS_EXPOSE_HEADERS = (
    "ETag, Last-Modified, Cache-Control, Content-Type, Content-Length, WWW-Authenticate, Retry-After, "
    "X-Experience-API-Version, X-Experience-API-Consistent-Through"
)
_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


class XRequest:
    """A request after alternate-syntax unwrapping: method, parameters, headers, body."""

    def __init__(self, method: str, params: dict[str, str], headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.params = params
        self.headers = headers  # lower-case names
        self.body = body
        self.client: Client | None = None
        self.version = XAPI_VERSION

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


Handler = Callable[[XRequest], HttpResponse]


# --------------------------------------------------------------------------- plumbing


def _json_response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json",
    )


def _error(status: int, message: str, field: str | None = None) -> HttpResponse:
    return _json_response({"detail": message, "field": field}, status=status)


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin")
    response["Access-Control-Allow-Origin"] = origin or "*"
    if origin:
        response["Vary"] = "Origin"
    response["Access-Control-Allow-Methods"] = "HEAD, GET, POST, PUT, DELETE, OPTIONS"
    response["Access-Control-Allow-Headers"] = _CORS_ALLOW_HEADERS
    response["Access-Control-Expose-Headers"] = _CORS_EXPOSE_HEADERS
    response["Access-Control-Max-Age"] = "86400"
    response["X-Experience-API-Version"] = XAPI_VERSION
    return response


def _read_body(request: HttpRequest) -> bytes:
    length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        declared = int(length)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body larger than {MAX_BODY_BYTES} bytes")
    # Read the stream directly: Django's request.body caps at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB),
    # too small for batches with attachments; this resource enforces its own limit. Without a
    # Content-Length (chunked transfer) the stream is read to its end, within the same limit.
    if declared == 0 and "CONTENT_LENGTH" in request.META:
        return b""
    data = request.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body larger than {MAX_BODY_BYTES} bytes")
    return data


def _single_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise XAPIValidationError(name, "parameter given more than once")
        params[name] = value
    return params


def _unwrap(request: HttpRequest) -> XRequest:
    body = _read_body(request)
    query = _single_params([(k, v) for k, values in request.GET.lists() for v in values])
    headers = {name.lower(): value for name, value in request.headers.items()}
    if request.method != "POST" or "method" not in query:
        return XRequest(request.method or "GET", query, headers, body)
    # Alternate request syntax (Communication 1.3).
    method = query.pop("method")
    if query:
        raise XAPIValidationError(
            sorted(query)[0],
            "with the alternate request syntax, 'method' must be the "
            "only query parameter; send the others in the form body",
        )
    if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        raise XAPIValidationError("method", f"unsupported method {method!r}")
    media_type = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise XAPIValidationError(
            "Content-Type", "the alternate request syntax needs an application/x-www-form-urlencoded body"
        )
    try:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise XAPIValidationError("", "the form body is not UTF-8") from None
    params: dict[str, str] = {}
    new_headers: dict[str, str] = {
        k: v for k, v in headers.items() if k not in ("content-type", "content-length")
    }
    content = b""
    for name, value in form:
        lowered = name.lower()
        if name == "content":
            content = value.encode("utf-8")
        elif lowered in _ALTERNATE_HEADERS:
            # Form fields stand in for headers a client could not set (Communication 1.3.s3.b7);
            # a header the request really carries wins over a form field of the same name (the
            # ADL suite sends a real 1.0.x version header beside a form field of "0.8" and expects
            # the request to be served). Content-Type/-Length always come from the form: the real
            # ones describe the form itself.
            if lowered in ("content-type", "content-length") or lowered not in headers:
                new_headers[lowered] = value
        else:
            if name in params:
                raise XAPIValidationError(name, "parameter given more than once")
            params[name] = value
    if content and "content-type" not in new_headers:
        new_headers["content-type"] = "application/json"
    return XRequest(method, params, new_headers, content)


def _xapi(
    handlers: Mapping[str, Handler], *, public: bool = False, consistent_through: bool = False
) -> Callable[[HttpRequest], HttpResponse]:
    allowed = ", ".join(
        ["OPTIONS", *[m for m in _METHODS if m in handlers or (m == "HEAD" and "GET" in handlers)]]
    )

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=200)
            response["Allow"] = allowed
            return _cors(request, response)
        try:
            xreq = _unwrap(request)
            method = xreq.method
            handler = handlers.get("GET" if method == "HEAD" else method)
            if handler is None:
                response = _error(405, f"method {method} is not allowed on this resource")
                response["Allow"] = allowed
                return _cors(request, response)
            if not public:
                client = client_authenticate(
                    xreq.headers.get("authorization"), address=client_address(request)
                )
                if client is None:
                    raise Unauthorized("authentication required: HTTP Basic with a client key and secret")
                xreq.client = client
                xreq.version = parse_version_header(xreq.headers.get("x-experience-api-version"))
            response = handler(xreq)
        except XAPIError as exc:
            response = _error(exc.status_code, exc.message, getattr(exc, "path", None))
            if exc.status_code == 401:
                response["WWW-Authenticate"] = 'Basic realm="educloud xAPI"'
            if getattr(exc, "retry_after", None):  # 429/503 from the authentication limits
                response["Retry-After"] = str(exc.retry_after)
        except DomainError as exc:
            response = _error(exc.status_code, exc.message, exc.field)
        except Exception:
            # Communication 3.2 (XAPI-00329): a server fault is a 500, still an xAPI answer (JSON,
            # version and CORS headers) rather than Django's HTML page; the traceback goes to the log.
            logger.exception("xAPI request %s %s failed", request.method, request.path)
            response = _error(500, "internal error in the LRS; the request was not processed")
        effective = request.GET.get("method") if request.method == "POST" else request.method
        if (
            consistent_through
            and effective in ("GET", "HEAD")
            and "X-Experience-API-Consistent-Through" not in response
        ):
            # Communication 2.1.3.s2.b5: on every GET Statements answer, errors included.
            response["X-Experience-API-Consistent-Through"] = format_timestamp(timezone.now())
        if response.status_code in (204, 304):
            del response["Content-Type"]  # no content, so no type (RFC 9110 8.3; Django adds text/html)
        if effective == "HEAD":
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return _cors(request, response)

    return view


def _check_params(xreq: XRequest, allowed: set[str], required: set[str] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    for name in sorted(xreq.params):
        if name not in allowed:
            raise XAPIValidationError(name, "parameter is not recognised by this resource")
    for name in sorted(required):
        if name not in xreq.params:
            raise XAPIValidationError(name, "required parameter is missing")
    return xreq.params


def _bool(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise XAPIValidationError(name, "must be 'true' or 'false'")


def _since(params: Mapping[str, str], name: str) -> datetime | None:
    if name not in params:
        return None
    return parse_timestamp(validate_timestamp_parameter(params[name], name))


def _consistent_headers(response: HttpResponse, last_modified: datetime | None) -> HttpResponse:
    now = timezone.now()
    response["X-Experience-API-Consistent-Through"] = format_timestamp(now)
    response["Last-Modified"] = http_date((last_modified or now).timestamp())
    return response


# --------------------------------------------------------------------------- statements

_QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}
_SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}


def _log_student_reads(client: Client, learner_ids: set[int]) -> None:
    """One audit row per request that returned records of our students (Learner ids of students)."""
    if not learner_ids:
        return
    students = list(
        Learner.objects.filter(pk__in=learner_ids, user__student_profile__isnull=False).values_list(
            "user__student_profile__id", "user__student_profile__school_id"
        )
    )
    if not students:
        return
    schools = {school for _, school in students}
    personal_data_access_log(
        actor=None,
        school_id=schools.pop() if len(schools) == 1 else None,
        student_ids=sorted(student for student, _ in students),
        purpose=f"xAPI query (client {client.key})"[:64],
    )


def _render(payloads: list[str], fmt: str, languages: str | None) -> list[Any]:
    if fmt == "ids":
        return [ids_format(json.loads(p)) for p in payloads]
    if fmt == "canonical":
        statements = [json.loads(p) for p in payloads]
        ids: set[str] = set()
        for statement in statements:
            _collect_activity_ids(statement, ids)
        definitions = activity_definitions(ids)
        return [canonical(s, languages, activity_definitions=definitions) for s in statements]
    return [json.loads(p) for p in payloads]


def _collect_activity_ids(body: Mapping[str, Any], into: set[str]) -> None:
    obj = body.get("object") or {}
    if obj.get("objectType", "Activity") == "Activity" and isinstance(obj.get("id"), str):
        into.add(obj["id"])
    elif obj.get("objectType") == "SubStatement":
        _collect_activity_ids(obj, into)
    for items in ((body.get("context") or {}).get("contextActivities") or {}).values():
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                into.add(item["id"])


def _statements_answer(
    xreq: XRequest, body: Any, payload_statements: list[Any], attachments: bool
) -> HttpResponse:
    if not attachments:
        return _json_response(body)
    data, content_type = build_multipart(body, attachments_for(payload_statements))
    response = HttpResponse(data, content_type=content_type)
    return response


def statements_get(xreq: XRequest) -> HttpResponse:
    assert xreq.client is not None
    params = xreq.params
    if "more" in params:
        _check_params(xreq, {"more"})
        try:
            query, cursor = StatementQuery.from_token(params["more"])
        except (signing.BadSignature, KeyError, ValueError, TypeError):
            raise XAPIValidationError("more", "not a 'more' link issued by this LRS") from None
        return _statement_page(xreq, query, cursor)
    if "statementId" in params or "voidedStatementId" in params:
        _check_params(xreq, _SINGLE_PARAMS)
        if "statementId" in params and "voidedStatementId" in params:
            raise XAPIValidationError("voidedStatementId", "give either statementId or voidedStatementId")
        name = "statementId" if "statementId" in params else "voidedStatementId"
        statement_id = validate_uuid_parameter(params[name], name)
        fmt = _format(params)
        attachments = _bool(params, "attachments")
        row = statement_get(client=xreq.client, statement_id=statement_id, voided=name == "voidedStatementId")
        if row is None:
            raise NotFoundError(f"no Statement with {name} {statement_id} is available")
        if row.learner_id is not None:
            _log_student_reads(xreq.client, {row.learner_id})
        (rendered,) = _render([row.payload], fmt, xreq.headers.get("accept-language"))
        response = _statements_answer(xreq, rendered, [json.loads(row.payload)], attachments)
        return _consistent_headers(response, row.stored)
    _check_params(xreq, _QUERY_PARAMS)
    agent = validate_agent_parameter(params["agent"], allow_group=True) if "agent" in params else None
    verb = validate_activity_id(params["verb"], "verb") if "verb" in params else None
    activity = validate_activity_id(params["activity"], "activity") if "activity" in params else None
    registration = validate_uuid_parameter(params["registration"]) if "registration" in params else None
    limit_text = params.get("limit", "0")
    if not limit_text.isdigit():
        raise XAPIValidationError("limit", "must be a non-negative integer")
    query = StatementQuery(
        agent=agent,
        verb=verb,
        activity=activity,
        registration=registration,
        related_activities=_bool(params, "related_activities"),
        related_agents=_bool(params, "related_agents"),
        since=_since(params, "since"),
        until=_since(params, "until"),
        limit=int(limit_text),
        ascending=_bool(params, "ascending"),
        format=_format(params),
        attachments=_bool(params, "attachments"),
    )
    return _statement_page(xreq, query, None)


def _format(params: Mapping[str, str]) -> str:
    fmt = params.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise XAPIValidationError("format", "must be ids, exact or canonical")
    return fmt


def _statement_page(
    xreq: XRequest, query: StatementQuery, cursor: tuple[datetime, int] | None
) -> HttpResponse:
    assert xreq.client is not None
    fmt, attachments = query.format, query.attachments
    page = statements_query(client=xreq.client, query=query, cursor=cursor)
    _log_student_reads(xreq.client, {row.learner_id for row in page.rows if row.learner_id is not None})
    payloads = [row.payload for row in page.rows]
    more = ""
    if page.more_token is not None:
        more = f"{reverse('lrs:statements')}?more={page.more_token}"
    if fmt == "exact" and not attachments:
        # Splice the stored JSON text: no parse, no re-serialisation.
        body = ('{"statements":[' + ",".join(payloads) + '],"more":' + json.dumps(more) + "}").encode()
        response = HttpResponse(body, content_type="application/json")
    else:
        rendered = _render(payloads, fmt, xreq.headers.get("accept-language"))
        response = _statements_answer(
            xreq, {"statements": rendered, "more": more}, [json.loads(p) for p in payloads], attachments
        )
    latest = max((row.stored for row in page.rows), default=None)
    return _consistent_headers(response, latest)


def statements_put(xreq: XRequest) -> HttpResponse:
    assert xreq.client is not None
    params = _check_params(xreq, {"statementId"}, {"statementId"})
    statement_id = validate_uuid_parameter(params["statementId"], "statementId")
    request = parse_statement_request(xreq.body, xreq.content_type, version=xreq.version)
    statement_put(client=xreq.client, request=request, statement_id=statement_id)
    return HttpResponse(status=204)


def statements_post(xreq: XRequest) -> HttpResponse:
    assert xreq.client is not None
    _check_params(xreq, set())
    request = parse_statement_request(xreq.body, xreq.content_type, version=xreq.version)
    ids = statements_store(client=xreq.client, statements=request.statements, attachments=request.attachments)
    return _json_response(ids)


statements = _xapi(
    {"GET": statements_get, "PUT": statements_put, "POST": statements_post}, consistent_through=True
)


# --------------------------------------------------------------------------- documents


def _agent(params: Mapping[str, str]) -> dict[str, Any]:
    return validate_agent_parameter(params["agent"])


def _registration(params: Mapping[str, str]) -> str | None:
    return validate_uuid_parameter(params["registration"]).lower() if "registration" in params else None


def _document_handlers(resource: str) -> dict[str, Handler]:
    id_name = "stateId" if resource == docs.STATE else "profileId"
    scope_params = {
        docs.STATE: {"activityId", "agent", "registration"},
        docs.ACTIVITY_PROFILE: {"activityId"},
        docs.AGENT_PROFILE: {"agent"},
    }[resource]
    required_scope = scope_params - {"registration"}

    def address(
        xreq: XRequest, *, need_id: bool, allowed_extra: set[str] = frozenset()
    ) -> docs.DocumentAddress:  # type: ignore[assignment]
        params = _check_params(
            xreq, scope_params | {id_name} | allowed_extra, required_scope | ({id_name} if need_id else set())
        )
        return docs.DocumentAddress(
            resource=resource,
            activity_id=validate_activity_id(params["activityId"]) if "activityId" in scope_params else None,
            agent=_agent(params) if "agent" in scope_params else None,
            registration=_registration(params) if resource == docs.STATE else None,
            document_id=params.get(id_name),
        )

    def get(xreq: XRequest) -> HttpResponse:
        assert xreq.client is not None
        where = address(xreq, need_id=False, allowed_extra={"since"})
        # "since" filters the list of ids; with a stateId/profileId it is still validated (400 if
        # not a Timestamp) but has nothing to filter: clients (the ADL suite among them) send the
        # same parameters for both GETs, and the single-document GET names "since" as recognised.
        since = _since(xreq.params, "since")
        if where.document_id is None:
            ids, latest = docs.document_ids(client=xreq.client, address=where, since=since)
            response = _json_response(ids)
            if latest is not None:
                response["Last-Modified"] = http_date(latest.timestamp())
            return response
        document = docs.document_get(client=xreq.client, address=where)
        status = evaluate_preconditions(
            method="GET",
            current_etag=document.etag if document else None,
            if_match=xreq.headers.get("if-match"),
            if_none_match=xreq.headers.get("if-none-match"),
        )
        if document is None and status == 204:
            raise NotFoundError(f"no document with this {id_name}")
        if status == 412:
            raise PreconditionFailed("the document's current ETag does not satisfy If-Match/If-None-Match")
        assert document is not None
        if status == 304:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(document.content, content_type=document.content_type)
        response["ETag"] = document.etag
        response["Last-Modified"] = http_date(document.updated.timestamp())
        return response

    def write(xreq: XRequest) -> HttpResponse:
        assert xreq.client is not None
        where = address(xreq, need_id=True)
        etag = docs.document_write(
            client=xreq.client,
            address=where,
            method=xreq.method,
            content=xreq.body,
            content_type=xreq.content_type,
            if_match=xreq.headers.get("if-match"),
            if_none_match=xreq.headers.get("if-none-match"),
        )
        response = HttpResponse(status=204)
        response["ETag"] = etag
        return response

    def delete(xreq: XRequest) -> HttpResponse:
        assert xreq.client is not None
        where = address(xreq, need_id=resource != docs.STATE)
        docs.document_delete(
            client=xreq.client,
            address=where,
            if_match=xreq.headers.get("if-match"),
            if_none_match=xreq.headers.get("if-none-match"),
        )
        return HttpResponse(status=204)

    return {"GET": get, "PUT": write, "POST": write, "DELETE": delete}


activity_state = _xapi(_document_handlers(docs.STATE))
activity_profile = _xapi(_document_handlers(docs.ACTIVITY_PROFILE))
agent_profile = _xapi(_document_handlers(docs.AGENT_PROFILE))


# --------------------------------------------------------------------------- activities, agents, about


def activities_get(xreq: XRequest) -> HttpResponse:
    params = _check_params(xreq, {"activityId"}, {"activityId"})
    activity_id = validate_activity_id(params["activityId"])
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    definition = activity_get(activity_id)
    if definition:
        activity["definition"] = definition
    return _json_response(activity)


def agents_get(xreq: XRequest) -> HttpResponse:
    params = _check_params(xreq, {"agent"}, {"agent"})
    agent = _agent(params)
    person: dict[str, Any] = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return _json_response(person)


def about_get(xreq: XRequest) -> HttpResponse:
    _check_params(xreq, set())
    return _json_response(
        {
            "version": SUPPORTED_VERSIONS,
            "extensions": {
                f"{site_base_url()}/xapi/about/implementation": {
                    "name": "educloud LRS (成渝智慧教育云)",
                    "profile": "xAPI 1.0.3",
                    "alternate_request_syntax": True,
                    "signed_statements": True,
                }
            },
        }
    )


activities = _xapi({"GET": activities_get})
agents = _xapi({"GET": agents_get})
about = _xapi({"GET": about_get}, public=True)
