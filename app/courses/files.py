"""Course files (covers, PDF lessons, videos): checked by content, stored by hash, served by id.

Files live under `instance/uploads/course-files/`, never in the static folder, so every
download passes `may_download`. Uploads are streamed to disk in chunks while hashed, so
a 500 MB video never sits in memory.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select

from app.auth.models import Role
from app.courses.models import Course, CourseFile, Lesson
from app.errors import Invalid
from app.extensions import db
from app.security import in_scope

MB = 1024 * 1024
# Defaults; each can be overridden in the app config under the same key.
DEFAULT_LIMITS = {
    "COURSE_VIDEO_MAX_BYTES": 500 * MB,
    "COURSE_PDF_MAX_BYTES": 50 * MB,
    "COURSE_IMAGE_MAX_BYTES": 5 * MB,
}
_LIMIT_KEYS = {
    "video": "COURSE_VIDEO_MAX_BYTES",
    "pdf": "COURSE_PDF_MAX_BYTES",
    "image": "COURSE_IMAGE_MAX_BYTES",
}
KIND_NAMES = {"video": "视频（MP4）", "pdf": "PDF 文档", "image": "图片（PNG/JPEG/GIF/WebP）"}
_CHUNK = 1024 * 1024


def sniff_content_type(head: bytes) -> str | None:
    """The content type told by a file's first bytes, or None when it is none we accept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def kind_of(content_type: str | None) -> str | None:
    """The CourseFile kind (image | pdf | video) of a sniffed content type."""
    if content_type == "application/pdf":
        return "pdf"
    if content_type == "video/mp4":
        return "video"
    if content_type and content_type.startswith("image/"):
        return "image"
    return None


def size_limit(kind: str) -> int:
    """The largest accepted upload of `kind`, in bytes."""
    key = _LIMIT_KEYS[kind]
    return int(current_app.config.get(key, DEFAULT_LIMITS[key]))


def largest_limit() -> int:
    """The largest limit of any kind: what a course upload request may carry."""
    return max(size_limit(kind) for kind in _LIMIT_KEYS)


def storage_root() -> Path:
    """The folder course files are kept in."""
    root = Path(current_app.instance_path) / "uploads" / "course-files"
    root.mkdir(parents=True, exist_ok=True)
    return root


def file_path(f: CourseFile) -> Path:
    """Where the bytes of `f` are kept."""
    return storage_root() / f.sha256[:2] / f.sha256


def _format_mb(size: int) -> str:
    return f"{size / MB:g} MB"


def store_course_file(storage, *, kind: str, user_id: int | None) -> CourseFile:
    """Check an uploaded `FileStorage` is a `kind` file within its limit, keep it, add its row.

    Flushes, never commits. Raises `Invalid` with a message for the uploader.
    """
    if kind not in _LIMIT_KEYS:
        raise ValueError(f"unknown course file kind {kind!r}")
    if storage is None or not getattr(storage, "filename", ""):
        raise Invalid("请选择要上传的文件")
    limit = size_limit(kind)
    root = storage_root()
    digest = hashlib.sha256()
    size = 0
    content_type = None
    stream = storage.stream
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                if size == 0:
                    content_type = sniff_content_type(chunk[:16])
                    if kind_of(content_type) != kind:
                        raise Invalid(f"文件内容不是{KIND_NAMES[kind]}，请检查后重新上传")
                size += len(chunk)
                if size > limit:
                    raise Invalid(f"文件过大：{KIND_NAMES[kind]}不能超过 {_format_mb(limit)}")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid("上传的文件是空的")
        sha = digest.hexdigest()
        target = root / sha[:2] / sha
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            os.unlink(tmp_name)  # the same bytes are already kept
        else:
            os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    name = os.path.basename(storage.filename.replace("\\", "/"))[:255] or "file"
    row = CourseFile(
        kind=kind,
        content_type=content_type,
        original_name=name,
        size=size,
        sha256=sha,
        uploaded_by_id=user_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def may_download(user, f: CourseFile) -> bool:
    """Whether `user` may fetch `f`: the province, or anyone who may view a course using it."""
    if user.role == Role.PROVINCE_ADMIN:
        return True
    courses = db.session.scalars(
        select(Course).where(
            or_(
                Course.cover_id == f.id,
                Course.id.in_(select(Lesson.course_id).where(Lesson.file_id == f.id)),
            )
        )
    )
    return any(in_scope(user, course) for course in courses)
