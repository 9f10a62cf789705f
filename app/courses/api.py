"""Courses JSON API: study heartbeats and progress."""

from flask_smorest import Blueprint

from app.api import API_PREFIX

blp = Blueprint("courses_api", __name__, url_prefix=API_PREFIX, description="课程与学习")
