"""LRS-specific errors the xAPI views turn into HTTP answers (the core's ``XAPIError`` covers 400s)."""

from __future__ import annotations

from educloud.lrs.xapi import XAPIError


class Conflict(XAPIError):
    status_code = 409


class Forbidden(XAPIError):
    """403; ``path`` names the offending part of the request (answered as ``field``) when known."""

    status_code = 403

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class NotFoundError(XAPIError):
    status_code = 404


class PreconditionFailed(XAPIError):
    status_code = 412


class Unauthorized(XAPIError):
    status_code = 401


class PayloadTooLarge(XAPIError):
    """Communication 3.2: the request (Statements, document or attachments) exceeds the LRS's limit."""

    status_code = 413


class TooManyRequests(XAPIError):
    """Too many failed authentications from this address or for this key (``Retry-After``)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceBusy(XAPIError):
    """No password-hashing slot came free in time (``Retry-After``)."""

    status_code = 503

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
