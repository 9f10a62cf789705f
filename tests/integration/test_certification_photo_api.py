"""Issue 15: a candidate's photo through the API, with the registration page's checks."""

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.auth.models import Role
from app.extensions import db
from certificates.models import CertificationCandidate

API = "/api/v1/certification/candidates"


def image(kind: str = "PNG", size=(40, 50)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def world(make):
    region = make.region("甲市")
    ent_a, ent_b = make.enterprise(region), make.enterprise(region)
    manager = make.employee(ent_a, name="张经理")
    batch = make.certification_batch()
    make.user(Role.PROVINCE_ADMIN, username="prov")
    make.user(Role.ENTERPRISE_ADMIN, username="ent_a", enterprise=ent_a)
    make.user(Role.ENTERPRISE_ADMIN, username="ent_b", enterprise=ent_b)
    make.user(Role.CITY_ADMIN, username="city", region=region)
    judge = make.user(Role.JUDGE, username="judge")
    candidate = make.certification_candidate(batch, manager)
    from tests.integration.certification_assessment_helpers import appoint

    appoint(batch, judge)
    return {"batch": batch, "candidate": candidate}


def upload(client, csrf, candidate_id, data: bytes, name="photo.png"):
    # Encoded here, in memory: the test client spools a large body to a temporary file it
    # never closes (a ResourceWarning under `filterwarnings = error`).
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.put(
        f"{API}/{candidate_id}/photo",
        data=body,
        headers={"X-CSRFToken": csrf},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_an_enterprise_uploads_a_photo_and_reads_it_back(client, login, world):
    candidate_id = world["candidate"].id
    csrf = login("ent_a")
    png = image()
    response = upload(client, csrf, candidate_id, png)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "id": candidate_id,
        "has_photo": True,
        "content_type": "image/png",
    }
    shown = client.get(f"{API}/{candidate_id}/photo")
    assert shown.status_code == 200 and shown.mimetype == "image/png" and shown.data == png
    listed = client.get(f"/api/v1/certification/batches/{world['batch'].id}/candidates")
    assert listed.get_json()["items"][0]["has_photo"] is True
    # A JPEG replaces it.
    jpeg = image("JPEG")
    assert upload(client, csrf, candidate_id, jpeg, "me.jpg").get_json()["content_type"] == (
        "image/jpeg"
    )
    assert db.session.get(CertificationCandidate, candidate_id).photo == jpeg


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not a photo", "照片应为 JPEG 或 PNG 图片"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "照片应为 JPEG 或 PNG 图片"),  # does not decode
        (b"\xff\xd8" + b"0" * (2 * 1024 * 1024), "照片不能超过 2 MB"),
        (image("GIF"), "照片应为 JPEG 或 PNG 图片"),
    ],
)
def test_bad_files_are_refused_as_on_the_page(client, login, world, data, message):
    response = upload(client, login("ent_a"), world["candidate"].id, data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == message and error["details"][0]["field"] == "photo"
    assert db.session.get(CertificationCandidate, world["candidate"].id).photo is None


def test_a_request_without_the_file_is_refused(client, login, world):
    response = client.put(
        f"{API}/{world['candidate'].id}/photo",
        data={},
        headers={"X-CSRFToken": login("ent_a")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_out_of_scope_and_read_only_callers(client, login, world):
    candidate_id = world["candidate"].id
    assert upload(client, login("ent_b"), candidate_id, image()).status_code == 404
    assert upload(client, login("city"), candidate_id, image()).status_code in (403, 404)
    upload(client, login("prov"), candidate_id, image())
    assert client.get(f"{API}/{candidate_id}/photo").status_code == 200
    login("judge")  # assessors know candidates by ticket number only
    assert client.get(f"{API}/{candidate_id}/photo").status_code == 404


def test_no_photo_answers_404_and_published_results_freeze_it(client, login, world, make):
    csrf = login("ent_a")
    assert client.get(f"{API}/{world['candidate'].id}/photo").status_code == 404
    world["batch"].status = "published"
    db.session.commit()
    response = upload(client, csrf, world["candidate"].id, image())
    assert response.status_code == 409


def test_the_openapi_document_lists_the_photo_upload(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    upload_op = paths["/api/v1/certification/candidates/{candidate_id}/photo"]["put"]
    content = upload_op["requestBody"]["content"]
    assert "multipart/form-data" in content
    assert "get" in paths["/api/v1/certification/candidates/{candidate_id}/photo"]
    assert "post" in paths["/api/v1/certification/batches/{batch_id}/cancel"]
