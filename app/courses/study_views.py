"""The learner's pages: the catalogue for my post, a course, a lesson, my proof of training."""

from flask import Blueprint

bp = Blueprint("courses", __name__, url_prefix="/courses")
