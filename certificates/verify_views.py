"""Public pages: verifying a certificate (证书查验) and the credentials' public keys (JWKS)."""

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from app.errors import NotFound
from certificates import keys, verification
from certificates.credential_api import verify_limit
from certificates.verify_forms import VerifyForm

bp = Blueprint("certificate_verify", __name__, template_folder="templates")


@bp.get("/verify")
def form():
    """Enter a certificate number (what a QR code would have opened)."""
    verify_form = VerifyForm(request.args)
    if request.args and verify_form.validate():
        number = verification.normalise(verify_form.number.data)
        return redirect(url_for(".show", number=number))
    return render_template("certificates/verify/form.html", form=verify_form)


@bp.get("/verify/<number>")  # any length: the same "not found" for every wrong number
@verify_limit
def show(number: str):
    """A certificate's public record: status and masked holder data, nothing more."""
    try:
        record = verification.public_record(verification.find(number))
    except NotFound as error:
        verify_form = VerifyForm(formdata=None, number=verification.normalise(number))
        return render_template(
            "certificates/verify/form.html", form=verify_form, not_found=error.message
        ), 404
    response = render_template("certificates/verify/show.html", record=record)
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public keys of every credential the platform signed (JWKS, RFC 7517)."""
    response = jsonify(keys.keyring().jwks())
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
