"""Exceptions raised by the pure-Python xAPI core.

Every exception carries enough information for the web layer to answer without
re-deriving anything: validation errors name the JSON path of the offending field
(``actor.mbox``, ``object.definition.choices[2].id``) and all of them map to
``400 Bad Request`` except where a subclass says otherwise.
"""

from __future__ import annotations


class XAPIError(ValueError):
    """Base class; ``status_code`` is the HTTP status the LRS should answer with."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class XAPIValidationError(XAPIError):
    """A Statement (or parameter) that breaks a rule of xAPI 1.0.3 Part Two.

    ``path`` is the JSON path of the offending value ("" for the document itself).
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)
        self.detail = message


class DocumentError(XAPIError):
    """A document-resource request that cannot be honoured (e.g. merging non-JSON)."""


class MultipartError(XAPIError):
    """A malformed ``multipart/mixed`` body or attachment/part mismatch."""


class SignatureError(XAPIError):
    """A malformed or non-verifying statement signature (Data 2.6: reject with 400)."""
