"""The one family of exceptions Duizhao raises.

Every layer (index/ build side, search/ query side) raises subclasses of
:class:`DuizhaoError`; each face translates them once, at its edge: the CLI
prints ``message`` and ``hint`` and exits non-zero, the REST API answers with
one JSON error shape using ``status`` and ``code``, the HTML UI renders an
error page. Nothing else should escape a face.
"""

from __future__ import annotations


class DuizhaoError(Exception):
    """Base class. ``hint`` says what the user can do next."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, hint: str = "", **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        if self.details:
            out["details"] = self.details
        return out

    def __str__(self) -> str:  # pragma: no cover - trivial
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(DuizhaoError):
    """A user-supplied value (file, parameter, field) is not acceptable."""

    status = 400
    code = "invalid_input"


class QueryError(InputError):
    """A search query is empty, too long or cannot be parsed."""

    code = "invalid_query"


class NotFound(DuizhaoError):
    """A document (or other named thing) does not exist."""

    status = 404
    code = "not_found"


class IndexMissing(DuizhaoError):
    """No index exists at the configured location."""

    status = 503
    code = "index_missing"


class IndexBusy(DuizhaoError):
    """Another process holds the index writer lock."""

    status = 503
    code = "index_busy"


class IndexCorrupt(DuizhaoError):
    """The on-disk index failed an integrity check."""

    status = 503
    code = "index_corrupt"


class IndexOutdated(DuizhaoError):
    """The index was built with other settings (schema or glossary) and must be rebuilt."""

    status = 503
    code = "index_outdated"


class IndexWriteFailed(DuizhaoError):
    """Writing the index failed (disk full, read-only folder); the previous commit is intact."""

    status = 507
    code = "index_write_failed"


class IndexNotAllowed(InputError):
    """A service was asked to open an index folder other than the configured one."""

    status = 403
    code = "index_not_allowed"


class GlossaryError(InputError):
    """A glossary file has a malformed, duplicate or unsafe entry."""

    code = "invalid_glossary"

    def __init__(self, message: str, hint: str = "", *, path: str = "", line: int = 0) -> None:
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(where + message, hint, path=path, line=line)
        self.path = path
        self.line = line
