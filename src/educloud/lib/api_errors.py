"""The REST API's error bodies, as schemas, and the error answers each operation documents.

Every 4xx body of ``/api/v1/`` is ``{"detail": message, "field": name | null}`` (:class:`ErrorOut`);
a request that does not match the operation's schema answers 422 with pydantic's list as well
(:class:`ValidationErrorOut`). Endpoints declare ``response=with_errors(Model, ...)`` so the OpenAPI
document lists these answers (clients and schemathesis see every status the API can give).

Read next: ``educloud.config.api`` (the exception handlers that build these bodies).
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    detail: str = Field(description="给人看的中文说明")
    field: str | None = Field(None, description="出错的参数或字段名（如有）")


class ValidationErrorOut(ErrorOut):
    errors: list[dict[str, Any]] = Field(description="pydantic 的逐项错误（loc、msg、type）")


# What any operation may answer: a refused request (400), a caller outside the object's scope or
# without the role (403, also a missing CSRF token), an object that does not exist or is not
# visible (404), parameters that do not match the schema (422).
ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
LOGIN_ERRORS: dict[int, type[Schema]] = {401: ErrorOut}  # operations that need a session
UPLOAD_ERRORS: dict[int, type[Schema]] = {413: ErrorOut}  # multipart uploads over the size limit


def with_errors(ok: Any, *extra: dict[int, type[Schema]]) -> dict[int, Any]:
    """``ok`` (a response model, or ``{status: model}``) with :data:`ERRORS` and the ``extra`` maps."""
    success = ok if isinstance(ok, dict) else {200: ok}
    merged: dict[int, Any] = dict(ERRORS)
    for more in extra:
        merged.update(more)
    merged.update(success)
    return merged
