"""Pure-Python core of the educloud xAPI 1.0.3 Learning Record Store (no Django).

The Django app wraps these functions; they hold the spec's rules so the views only
move bytes and rows:

* :mod:`.validate` - Statement / parameter validation (``XAPIValidationError`` carries
  the JSON path of the offending field).
* :mod:`.normalize` - store-time assignments, ``format=canonical|ids``, Statement
  comparison (409 versus 204), agent IFI keys and filter indexes.
* :mod:`.documents` - ETags, ``If-Match``/``If-None-Match``, JSON merge for POST.
* :mod:`.multipart` - ``multipart/mixed`` attachments and signed Statements.
* :mod:`.iri`, :mod:`.langtag`, :mod:`.timestamps`, :mod:`.duration`,
  :mod:`.jsonparse` - the special data types of Data 4.0.

Every error is an :class:`XAPIError` whose ``status_code`` is the HTTP status to answer.
"""

from __future__ import annotations

from .documents import (
    CONFLICT_MESSAGE,
    apply_post,
    compute_etag,
    evaluate_preconditions,
    is_json_content_type,
    merge_json_documents,
)
from .duration import is_duration
from .errors import DocumentError, MultipartError, SignatureError, XAPIError, XAPIValidationError
from .iri import is_iri, is_irl
from .jsonparse import MAX_JSON_DEPTH, json_depth_exceeds, parse_json
from .langtag import is_language_tag
from .multipart import (
    AttachmentPart,
    StatementRequest,
    build_multipart,
    match_attachments,
    parse_multipart,
    parse_statement_request,
    verify_signatures,
)
from .normalize import (
    StatementIndex,
    agent_ifi,
    canonical,
    ids_format,
    index_statement,
    parse_accept_language,
    prepare_statement,
    statements_equivalent,
)
from .signature import verify_signed_statement
from .timestamps import format_timestamp, parse_timestamp
from .validate import (
    SIGNATURE_USAGE_TYPE,
    VOIDED_VERB,
    is_uuid,
    parse_version_header,
    validate_activity_id,
    validate_actor,
    validate_agent_parameter,
    validate_statement,
    validate_statements,
    validate_timestamp_parameter,
    validate_uuid_parameter,
)

__all__ = [
    "CONFLICT_MESSAGE",
    "MAX_JSON_DEPTH",
    "SIGNATURE_USAGE_TYPE",
    "VOIDED_VERB",
    "AttachmentPart",
    "DocumentError",
    "MultipartError",
    "SignatureError",
    "StatementIndex",
    "StatementRequest",
    "XAPIError",
    "XAPIValidationError",
    "agent_ifi",
    "apply_post",
    "build_multipart",
    "canonical",
    "compute_etag",
    "evaluate_preconditions",
    "format_timestamp",
    "ids_format",
    "index_statement",
    "is_duration",
    "is_iri",
    "is_irl",
    "is_json_content_type",
    "is_language_tag",
    "is_uuid",
    "json_depth_exceeds",
    "match_attachments",
    "merge_json_documents",
    "parse_accept_language",
    "parse_json",
    "parse_multipart",
    "parse_statement_request",
    "parse_timestamp",
    "parse_version_header",
    "prepare_statement",
    "statements_equivalent",
    "validate_activity_id",
    "validate_actor",
    "validate_agent_parameter",
    "validate_statement",
    "validate_statements",
    "validate_timestamp_parameter",
    "validate_uuid_parameter",
    "verify_signatures",
    "verify_signed_statement",
]
