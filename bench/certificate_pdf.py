"""Rendering certificate PDFs (职业技能等级证书) and zipping a batch of them.

Figures:
  certificate_pdf_pages_per_second  certificates rendered one after another through
                                    `certificates.pdf.render` (the identity number decrypted,
                                    a one-inch JPEG photo on half of them, the QR code), in
                                    one process (target >= 20 pages/s)
  certificate_zip_500               the batch ZIP job's work for 500 certificates (render,
                                    write the archive), in seconds

The certificates are inserted directly first (not measured); every render is checked to be
a one-page PDF and two renders of the same certificate to be the same bytes.
"""

import io
import os
import tempfile
import time
from datetime import date

from PIL import Image, ImageDraw

from app.extensions import db
from app.orgs.models import Enterprise, Region
from app.orgs.rules.posts import Post
from app.orgs.services import add_employee
from app.pii import vault
from bench import BenchError, fresh_app, note, report
from certificates import pdf, zips
from certificates.models import Certificate, CertificationBatch

PAGES = 300
ZIPPED = 500
TARGET_PAGES_PER_SECOND = 20


def _photo() -> bytes:
    image = Image.new("RGB", (295, 413), (226, 232, 240))
    ImageDraw.Draw(image).ellipse((70, 60, 225, 250), fill=(205, 170, 140))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _seed(count: int) -> int:
    region = Region(name="石家庄市", code="130100", sort_order=1)
    db.session.add(region)
    db.session.flush()
    enterprise = Enterprise(
        name="石家庄安居物业服务有限公司", credit_code="91130100MA0000001X", region_id=region.id
    )
    db.session.add(enterprise)
    db.session.flush()
    employee = add_employee(
        enterprise,
        name="王小明",
        id_number="11010519491231002X",
        post=Post.SECURITY,
        hired_on=date(2020, 1, 1),
        phone=None,
        sees_full_numbers=True,
    )
    batch = CertificationBatch(
        title="物业管理员四级认定",
        occupation="物业管理员",
        level=4,
        registration_opens_on=date(2026, 9, 1),
        registration_closes_on=date(2026, 9, 30),
    )
    db.session.add(batch)
    db.session.flush()
    box, photo = vault(), _photo()
    cipher = box.encrypt("11010519491231002X")
    db.session.add_all(
        Certificate(
            number=f"S123456130001264{n:06d}",
            status_index=n,
            batch_id=batch.id,
            employee_id=employee.id,
            enterprise_id=enterprise.id,
            region_id=region.id,
            holder_name=f"王小明{n}",
            id_number_cipher=cipher,
            id_number_masked="110105********002X",
            occupation="物业管理员",
            level=4,
            issuer="河北省物业管理行业协会",
            issued_on=date(2026, 12, 4),
            photo=photo if n % 2 else None,
            key_id="bench",
            credential="",
        )
        for n in range(1, count + 1)
    )
    db.session.commit()
    return batch.id


def main() -> None:
    with fresh_app("certificate-pdf") as app, app.app_context():
        from app.cjk_font import register_font

        register_font()
        batch_id = _seed(ZIPPED)
        certificates = db.session.scalars(
            db.select(Certificate).order_by(Certificate.id).limit(PAGES)
        ).all()
        pdf.render(certificates[0])  # the font's first subset, not measured
        start, cpu = time.perf_counter(), time.process_time()
        sizes = [len(pdf.render(c)) for c in certificates]
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        if pdf.render(certificates[1]) != pdf.render(certificates[1]):
            raise BenchError("two renders of one certificate differ")
        rate = len(certificates) / seconds
        report("certificate_pdf_pages_per_second", rate, "pages/s")
        each = seconds / len(sizes) * 1000
        note(
            f"{len(certificates)} certificates in {seconds:.2f} s ({each:.1f} ms each, "
            f"{sum(sizes) / len(sizes) / 1024:.0f} KiB average, half with a photo); "
            f"target >= {TARGET_PAGES_PER_SECOND}"
            f"{'' if rate >= TARGET_PAGES_PER_SECOND else ': MISSED'}"
        )
        note(
            f"CPU time of this process: {cpu:.2f} s ({len(sizes) / cpu:.0f} pages per CPU-second; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )

        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            count = zips.write_zip(batch_id, out)
            seconds = time.perf_counter() - start
            size = out.tell()
        if count != ZIPPED:
            raise BenchError(f"zipped {count} certificates, expected {ZIPPED}")
        report(f"certificate_zip_{ZIPPED}", seconds, "s")
        note(f"{count} PDFs zipped in {seconds:.2f} s ({size / 1024 / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
