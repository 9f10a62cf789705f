"""Pages of the exams package."""

from flask import Blueprint

bp = Blueprint("exams", __name__, template_folder="templates", url_prefix="/exams")
