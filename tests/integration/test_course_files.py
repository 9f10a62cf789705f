"""Course files: checked by content and size, stored by hash, served with Range to the entitled."""

from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage

from app.auth.models import Role
from app.courses import files
from app.courses.files import store_course_file
from app.courses.models import DRAFT, PUBLISHED, Chapter, Course, Lesson
from app.errors import Invalid
from app.extensions import db

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 1000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def upload(data: bytes, name: str = "x.bin") -> FileStorage:
    return FileStorage(stream=BytesIO(data), filename=name)


def course_with_file(f, status=PUBLISHED) -> Course:
    course = Course(title="课程", category="post", status=status, required_seconds=3600)
    db.session.add(course)
    db.session.flush()
    chapter = Chapter(course_id=course.id, title="第一章")
    db.session.add(chapter)
    db.session.flush()
    db.session.add(
        Lesson(course_id=course.id, chapter_id=chapter.id, title="讲义", kind="pdf", file_id=f.id)
    )
    db.session.commit()
    return course


def test_pdf_is_stored_by_hash_outside_static(app):
    f = store_course_file(upload(PDF, "讲义.pdf"), kind="pdf", user_id=None)
    db.session.commit()
    path = files.file_path(f)
    assert path.read_bytes() == PDF
    assert path.name == f.sha256 and "static" not in str(path)
    assert (f.content_type, f.size, f.original_name) == ("application/pdf", len(PDF), "讲义.pdf")


def test_video_and_image_are_told_by_content():
    assert files.sniff_content_type(MP4[:16]) == "video/mp4"
    assert files.sniff_content_type(PNG[:16]) == "image/png"
    assert files.sniff_content_type(b"\xff\xd8\xff\xe0" + b"0" * 12) == "image/jpeg"
    assert files.sniff_content_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert files.sniff_content_type(b"<html><script>") is None


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b"<html>not a pdf</html>", "pdf", "不是PDF"),
        (PDF, "video", "不是视频"),
        (MP4, "image", "不是图片"),
        (b"", "pdf", "空"),
    ],
)
def test_wrong_type_by_content_or_empty_is_refused(app, data, kind, message):
    with pytest.raises(Invalid, match=message):
        store_course_file(upload(data, "fake.pdf"), kind=kind, user_id=None)
    assert not list(files.storage_root().glob(".upload-*"))  # nothing half-written


def test_too_big_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_PDF_MAX_BYTES", 1000)
    with pytest.raises(Invalid, match="不能超过"):
        store_course_file(upload(PDF), kind="pdf", user_id=None)
    assert not list(files.storage_root().glob(".upload-*"))


def test_no_file_chosen_is_refused(app):
    with pytest.raises(Invalid, match="请选择"):
        store_course_file(FileStorage(stream=BytesIO(b""), filename=""), kind="pdf", user_id=None)


def fetch(client, url, **kwargs):
    """GET `url`, read the body and close the file behind it."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def trainee(make):
    return make.user(Role.TRAINEE, employee=make.employee())


def test_trainee_fetches_a_published_courses_file_not_a_drafts(app, client, make, login):
    published = store_course_file(upload(PDF), kind="pdf", user_id=None)
    draft_file = store_course_file(upload(PDF + b"draft"), kind="pdf", user_id=None)
    course_with_file(published)
    course_with_file(draft_file, status=DRAFT)
    login(trainee(make).username)
    response = fetch(client, f"/courses/files/{published.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "inline" in response.headers["Content-Disposition"]
    assert "private" in response.headers["Cache-Control"]
    assert fetch(client, f"/courses/files/{draft_file.id}").status_code == 404
    assert fetch(client, "/courses/files/999999").status_code == 404


def test_a_file_of_no_course_is_for_the_province_only(app, client, make, login):
    orphan = store_course_file(upload(PNG, "c.png"), kind="image", user_id=None)
    db.session.commit()
    login(trainee(make).username)
    assert fetch(client, f"/courses/files/{orphan.id}").status_code == 404
    client.post("/api/v1/auth/logout")
    client.delete_cookie("session")
    login(make.user(Role.PROVINCE_ADMIN).username)
    assert fetch(client, f"/courses/files/{orphan.id}").status_code == 200


def test_anonymous_is_sent_to_login(app, client):
    f = store_course_file(upload(PDF), kind="pdf", user_id=None)
    course_with_file(f)
    response = fetch(client, f"/courses/files/{f.id}")
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "login" in response.headers["Location"]


def test_range_requests(app, client, make, login):
    f = store_course_file(upload(MP4, "v.mp4"), kind="video", user_id=None)
    course_with_file(f)
    login(trainee(make).username)
    url = f"/courses/files/{f.id}"
    part = fetch(client, url, headers={"Range": "bytes=4-11"})
    assert part.status_code == 206
    assert part.data == MP4[4:12] == b"ftypmp42"
    assert part.headers["Content-Range"] == f"bytes 4-11/{len(MP4)}"
    assert part.mimetype == "video/mp4"
    tail = fetch(client, url, headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206
    assert tail.data == MP4[1000:]
    assert tail.headers["Content-Range"] == f"bytes 1000-{len(MP4) - 1}/{len(MP4)}"
    beyond = fetch(client, url, headers={"Range": f"bytes={len(MP4) + 10}-"})
    assert beyond.status_code == 416


def test_upload_over_the_video_limit_gets_a_chinese_413_page(app, client, make, login):
    login(make.user(Role.PROVINCE_ADMIN).username)
    small = dict.fromkeys(files.DEFAULT_LIMITS, 1000)
    app.config.update(small)
    try:
        response = client.post(
            "/courses/manage/new",
            data=b"x" * (3 * 1024 * 1024),  # raw bytes: nothing spooled to a temp file
            content_type="multipart/form-data; boundary=x",
        )
    finally:
        for key in small:
            app.config.pop(key)
    assert response.status_code == 413
    assert "上传的文件过大" in response.get_data(as_text=True)


def test_other_uploads_keep_the_app_wide_limit(app, client, make, login):
    login(make.user(Role.PROVINCE_ADMIN).username)
    over = app.config["MAX_CONTENT_LENGTH"] + 1024
    response = client.post(
        f"/enterprises/{make.enterprise().id}/employees/import",
        data=b"x" * over,  # raw bytes: the test client spools nothing to a temp file
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413
