"""Stem images: checked by content (not by name), stored outside the static folder."""

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.form_errors import field_error
from app.security import Principal
from question_bank.models import Question, QuestionVersion
from question_bank.policy import readable_banks

MAX_IMAGE_BYTES = 2 * 1024 * 1024
# Magic numbers of the image kinds a browser shows safely; SVG is left out (it runs script).
_KINDS = [
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
]
MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def _kind(data: bytes) -> str | None:
    for magic, extension, _ in _KINDS:
        if data.startswith(magic):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def image_folder() -> Path:
    """Where stem images live (inside the instance folder, never served statically)."""
    folder = Path(current_app.instance_path) / "uploads" / "question-images"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def image_problem(data: bytes) -> str | None:
    """Why `data` cannot be a stem image, in Chinese; None when it can."""
    if not data:
        return "图片文件为空"
    if len(data) > MAX_IMAGE_BYTES:
        return "图片不能超过 2 MB"
    if _kind(data) is None:
        return "只支持 PNG、JPEG、GIF、WebP 格式的图片"
    return None


def image_name(data: bytes) -> str:
    """The name an image is stored under: its content hash and its kind's extension."""
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{_kind(data)}"


def store_image(data: bytes) -> str:
    """Check and store an image; answers its file name (content hash + extension).

    Raises `Invalid` naming the field `image`.
    """
    if problem := image_problem(data):
        raise field_error("image", problem)
    name = image_name(data)
    path = image_folder() / name
    if not path.exists():
        path.write_bytes(data)
    return name


def image_path(name: str) -> Path | None:
    """The stored file of `name`, or None for anything that is not one of ours."""
    stem, _, extension = name.partition(".")
    if len(stem) != 32 or not all(c in "0123456789abcdef" for c in stem):
        return None
    if extension not in MIMETYPES:
        return None
    path = image_folder() / name
    return path if path.is_file() else None


# Other packages that show questions (exams, to their candidates) say who else may see an
# image: `check(user, name)` is true when `user` may.
_grants: list[Callable[[Principal, str], bool]] = []


def grant_image_access(check: Callable[[Principal, str], bool]) -> None:
    """Let `check(user, name)` open images to users outside the banks they may browse."""
    if check not in _grants:
        _grants.append(check)


def may_see_image(user: Principal, name: str) -> bool:
    """Whether `user` may see the stored image `name`: it shows in a bank they may browse,
    or a package that showed it to them says so."""
    banks = readable_banks(user)
    shown = (
        select(QuestionVersion.id)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(QuestionVersion.image == name, Question.bank.in_(banks))
        .limit(1)
    )
    if banks and db.session.scalar(shown) is not None:
        return True
    return any(check(user, name) for check in _grants)
