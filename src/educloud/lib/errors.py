"""Errors that services raise and the web layer turns into answers a person can act on.

Services raise these with a message in Chinese (shown to users as is); views and endpoints
map them to HTTP status codes in one place (``educloud.web.errors``).
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out; ``message`` is shown to the user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class InvalidInput(DomainError):
    status_code = 400
