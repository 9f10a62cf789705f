"""Pages of the question bank package."""

from flask import Blueprint

bp = Blueprint("question_bank", __name__, template_folder="templates", url_prefix="/question-bank")
