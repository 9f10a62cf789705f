"""Certificate sources of the rate: who holds which certificates, from whichever issuer.

The core may not read a domain package's tables, so each package that keeps certificates
registers a function here in its `init_app`. A source answers a SQL selectable with exactly
the columns `employee_id, occupation, issued_on, expires_on, revoked_on` (`expires_on` and
`revoked_on` may be NULL). The roster's certificates from other issuers are the core's own
source, registered by `app.reports.init_app`.
"""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.sql import Select

COLUMNS = ("employee_id", "occupation", "issued_on", "expires_on", "revoked_on")

CertificateSource = Callable[[], Select]

_SOURCES: dict[str, CertificateSource] = {}


def register_certificate_source(name: str, source: CertificateSource) -> None:
    """Count the certificates `source()` selects towards the rate (registering a name twice
    replaces the first: apps built again in one process register again)."""
    _SOURCES[name] = source


def certificate_sources() -> list[tuple[str, CertificateSource]]:
    """Every registered source, by name."""
    return sorted(_SOURCES.items())


def selectables() -> list:
    """Each source's selectable as a subquery with the five columns, checked."""
    subqueries = []
    for name, source in certificate_sources():
        subquery = source().subquery(f"certs_{name}")
        missing = [c for c in COLUMNS if c not in subquery.c]
        if missing:
            raise TypeError(f"certificate source {name!r} lacks {', '.join(missing)}")
        subqueries.append(subquery)
    return subqueries


def external_certificates() -> Select:
    """The roster's certificates from other issuers (`ExternalCertificate`)."""
    from app.orgs.models import ExternalCertificate as C

    return select(C.employee_id, C.occupation, C.issued_on, C.expires_on, C.revoked_on)
