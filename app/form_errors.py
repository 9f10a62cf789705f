"""A domain error shown inside the page's own form, for the views that keep the user there.

The API answers a refusal through `app.api`'s central handler; a page that re-shows its form
catches the kind it expects and puts each detail under its field with `show_on_form`.
"""

from flask import flash

from app.errors import DomainError, Invalid


def field_error(field: str, message: str, kind: type[DomainError] = Invalid) -> DomainError:
    """A refusal of one form field: `details` is `[{"field", "message"}]`, as the API says it."""
    return kind(message, details=[{"field": field, "message": message}])


def error_field(error: DomainError) -> str | None:
    """The field the error names first, None when it concerns the whole request."""
    for detail in error.details:
        if isinstance(detail, dict) and detail.get("field"):
            return detail["field"]
    return None


def show_on_form(form, error: DomainError, fallback: str | None = None) -> None:
    """Each message under its field (or `fallback`); what names no field of the form is flashed."""
    details = [d for d in error.details if isinstance(d, dict) and d.get("message")]
    for detail in details or [{"message": error.message}]:
        name = detail.get("field") or ""
        field = form[name] if name and name in form else None
        if field is None and fallback:
            field = form[fallback]
        if field is None:
            flash(detail["message"], "danger")
        else:
            field.errors = [*field.errors, detail["message"]]
