"""The domain's errors: what a service refuses, in a code and a Chinese message.

Services and rules raise these; `app.api` turns them into JSON bodies and pages in one
place, so no handler translates them by hand. The kind says what went wrong, not how HTTP
spells it: the status each kind answers lives with the handler.

Imports only the standard library, so that rules may raise these errors too.
"""


class DomainError(Exception):
    """A request the domain refuses; `message` is readable Chinese."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: list | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = list(details or [])


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    code = "not_found"


class Refused(DomainError):
    """The caller may see the thing but not do this to it."""

    code = "forbidden"


class Conflict(DomainError):
    """The thing's current state does not allow this (closed, signed off, duplicate)."""

    code = "conflict"


class Invalid(DomainError):
    """The input is wrong; `details` names the fields, rows or cells."""

    code = "validation_error"
