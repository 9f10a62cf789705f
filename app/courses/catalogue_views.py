"""The catalogue's pages for the provincial admin: courses, chapters, lessons, files."""

from flask import Blueprint

bp = Blueprint("course_admin", __name__, url_prefix="/courses")
