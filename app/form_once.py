"""Forms that create something are taken once: a double click, a resent request or the back
button does not create a second plan, course or account.

Each render of a `OnceForm` carries a fresh random `once` token (a hidden field). Validating
the form claims its token in `form_submissions` inside the request's transaction: a token
seen before (committed, or being committed by a concurrent request: the unique key makes
the second wait, then fail) fails validation with 「请勿重复提交」. A form re-shown with errors
gets a new token, so correcting and sending it again works. The refusal is flashed, so the page
shows it whatever its template. A request without the field (an
API client, a script) is not checked: the pages' own submit buttons are what get clicked twice.
The page side (`app/static/app.js`) also disables a form's buttons once it is sent.
"""

import secrets
from datetime import datetime

from flask import flash
from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField
from wtforms.validators import Length

from app.extensions import db
from app.timeutil import utcnow
from app.web import BaseForm

REFUSED = "该表单已提交，请勿重复提交（请到列表中查看刚才保存的内容）"


class FormSubmission(db.Model):
    """A `once` token already used to submit a form."""

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class _OnceField(HiddenField):
    """A hidden field whose rendered value is new each time the form is shown."""

    def _value(self):
        return secrets.token_urlsafe(24)


class OnceForm(BaseForm):
    """A form that may be submitted once (see the module's docstring)."""

    once = _OnceField(validators=[Length(max=64)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        token = (self.once.data or "").strip()
        if not token:
            return True
        if not claim(token):
            # Shown by every page's flashed messages: templates need not know this field.
            self.once.errors = [REFUSED]
            flash(REFUSED, "warning")
            return False
        return True


def claim(token: str) -> bool:
    """Record `token` as used; False when it was used before."""
    if db.session.get(FormSubmission, token) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(FormSubmission(token=token))
    except IntegrityError:  # a concurrent request claimed it first
        return False
    return True
