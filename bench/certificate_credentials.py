"""Signing certificates' credentials and serving the revocation status list.

Figures:
  certificate_credentials_sign_10k        seconds to sign 10,000 credentials (vc+jwt, Ed25519)
  certificate_credentials_sign_10k_cpu    the CPU time of the same (less noisy on a busy machine)
  certificate_credentials_verify_10k      seconds to verify them again
  certificate_status_list_10k             ms to build and sign the status list of 10,000
                                          certificates with 1,000 revoked (no cache)
The credentials are signed from in-memory certificates (no database rows), so the figure is
the signing alone; `bench.certificate_issue` measures issuing as a whole.
"""

import time
from datetime import date

from sqlalchemy import insert

from app.extensions import db
from bench import BenchError, fresh_app, report
from certificates import credentials, status_list
from certificates.models import Certificate

COUNT = 10_000
ID_NUMBER = "130102199001011018"


def _certificate(n: int) -> Certificate:
    return Certificate(
        number=f"S13{n:020d}",
        status_index=n,
        holder_name="王小明",
        id_type="居民身份证",
        occupation="物业管理员",
        direction="",
        level=4,
        issuer="河北省物业管理行业协会",
        issued_on=date(2026, 12, 4),
    )


def main() -> None:
    with fresh_app("certificate-credentials") as app, app.test_request_context():
        certificates = [_certificate(n) for n in range(COUNT)]
        credentials.sign(certificates[0], ID_NUMBER)  # the key is generated outside the clock
        started, cpu = time.perf_counter(), time.process_time()
        tokens = [credentials.sign(c, ID_NUMBER)[1] for c in certificates]
        report("certificate_credentials_sign_10k", time.perf_counter() - started, "s")
        # CPU time says what the signing costs when the machine is shared (wall time grows).
        report("certificate_credentials_sign_10k_cpu", time.process_time() - cpu, "s")
        started = time.perf_counter()
        for token in tokens:
            credentials.verify(token)
        report("certificate_credentials_verify_10k", time.perf_counter() - started, "s")

        rows = [
            {
                "number": f"S13{n:020d}",
                "status_index": n,
                "employee_id": 1,
                "enterprise_id": 1,
                "region_id": 1,
                "holder_name": "王小明",
                "id_number_cipher": b"",
                "id_number_masked": "130102********1018",
                "occupation": "物业管理员",
                "level": 4,
                "issuer": "河北省物业管理行业协会",
                "issued_on": date(2026, 12, 4),
                "key_id": "",
                "credential": "",
                "revoked_on": date(2026, 12, 5) if n % 10 == 0 else None,
            }
            for n in range(COUNT)
        ]
        db.session.execute(insert(Certificate), rows)  # SQLite: foreign keys not enforced
        status_list._last.clear()
        started = time.perf_counter()
        token = status_list.signed()
        report("certificate_status_list_10k", (time.perf_counter() - started) * 1000, "ms")
        if not status_list.is_revoked(token, 10) or status_list.is_revoked(token, 11):
            raise BenchError("the status list does not hold the revoked bits")
        db.session.rollback()


if __name__ == "__main__":
    main()
