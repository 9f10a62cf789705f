"""The certificates this platform issued, as a certificate source of the rate (持证上岗率).

Registered with `app.reports.sources` in `certificates.init_app`: the core counts them
without importing this package. Our certificates do not expire; revoked ones stop counting
on the day of revocation.
"""

from sqlalchemy import Date, cast, null, select

from certificates.models import Certificate


def issued_certificates():
    """`employee_id, occupation, issued_on, expires_on (NULL), revoked_on` of every certificate."""
    return select(
        Certificate.employee_id,
        Certificate.occupation,
        Certificate.issued_on,
        cast(null(), Date).label("expires_on"),
        Certificate.revoked_on,
    )
