"""The public page verifying a proof of training (培训证明查验), the target of its QR code.

It shows what the proof printed, the name partly hidden: whoever holds the paper can check
that it is genuine, and nobody learns more than the paper says. A number that is malformed
or unknown gets the same "not found" (404); look-ups are limited per address.
"""

from flask import Blueprint, render_template

from app.courses import proof as proofs
from app.courses.rules.proofs import is_well_formed, mask_name
from app.extensions import limiter

bp = Blueprint("proof_verify", __name__, url_prefix="/verify/proof")

# A QR code is scanned once or twice; a scraper tries thousands.
LOOKUPS_PER_ADDRESS = "30 per minute;300 per day"


@bp.get("/<string:number>")
@limiter.limit(LOOKUPS_PER_ADDRESS)
def verify(number: str):
    """培训证明查验: the proof's masked holder, courses, hours and date, or "not found"."""
    proof = proofs.find(number) if is_well_formed(number) else None
    if proof is None:
        return render_template("courses/proof_verify.html", proof=None), 404
    return render_template(
        "courses/proof_verify.html",
        proof=proof,
        holder=mask_name(proof.holder_name),
        association=proofs.ASSOCIATION,
    )
