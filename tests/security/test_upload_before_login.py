"""Course-file forms take a body only from the province's admins, within its file's limit.

Issue 13 (Low): 500 MB anonymous bodies were read on `/courses/manage/*` before login,
because the course pages raise the body limit for videos before CSRFProtect reads forms.
"""

import io

import pytest

from app.auth.models import Role
from app.courses import files
from tests.integration.study_helpers import course

MB = 1024 * 1024
BOUNDARY = "wuye-boundary"


class CountingBody(io.RawIOBase):
    """A multipart body of `size` bytes made on demand; counts the bytes the server reads."""

    def __init__(self, size: int):
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="lesson.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def _byte_range(self, start: int, end: int) -> bytes:
        zeros_end = self.size - len(self.tail)
        head = self.head[start:end]
        zeros = max(0, min(end, zeros_end) - max(start, len(self.head)))
        tail = self.tail[max(0, start - zeros_end) : max(0, end - zeros_end)]
        return head + b"\x00" * zeros + tail

    def readinto(self, buffer) -> int:
        end = min(self.size, self.position + len(buffer))
        data = self._byte_range(self.position, end)
        buffer[: len(data)] = data
        self.position = end
        self.read_bytes += len(data)
        return len(data)


def send(client, url: str, body: CountingBody):
    return client.post(
        url,
        input_stream=body,
        content_length=body.size,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


@pytest.fixture
def lesson_url(app):
    lesson_course = course()
    return f"/courses/manage/chapters/{lesson_course.chapters[0].id}/lessons/new"


def test_an_anonymous_body_is_not_read(client, lesson_url):
    for url in ("/courses/manage/new", lesson_url):
        body = CountingBody(30 * MB)  # over the app-wide 20 MB, under the video limit
        response = send(client, url, body)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
        assert body.read_bytes == 0


def test_another_roles_body_is_not_read(client, make, login, lesson_url):
    ent = make.enterprise()
    accounts = [
        make.user(Role.TRAINEE, employee=make.employee(ent)),
        make.user(Role.ENTERPRISE_ADMIN, enterprise=ent),
        make.user(Role.CITY_ADMIN, region=ent.region),
    ]
    for account in accounts:
        login(account.username)
        body = CountingBody(30 * MB)
        assert send(client, lesson_url, body).status_code == 403
        assert body.read_bytes == 0


def test_a_body_over_its_forms_limit_is_refused_by_its_length(client, make, login, lesson_url):
    login(make.user(Role.PROVINCE_ADMIN).username)
    # A course form carries at most a cover image: a video-sized body is refused unread.
    body = CountingBody(files.DEFAULT_LIMITS["COURSE_IMAGE_MAX_BYTES"] + 2 * MB)
    response = send(client, "/courses/manage/new", body)
    assert response.status_code == 413
    assert "上传的文件过大" in response.get_data(as_text=True)
    assert body.read_bytes == 0
    body = CountingBody(files.largest_limit() + 2 * MB)
    assert send(client, lesson_url, body).status_code == 413
    assert body.read_bytes == 0


def test_the_counting_body_is_what_it_says():
    body = CountingBody(1000)
    data = body.read(30) + body.read(300) + body.read()
    assert len(data) == 1000 and body.read_bytes == 1000
    assert data.startswith(body.head) and data.endswith(body.tail)
    assert data[len(body.head) : -len(body.tail)] == b"\x00" * (
        1000 - len(body.head) - len(body.tail)
    )
