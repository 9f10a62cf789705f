"""Pages of the competitions package."""

from flask import Blueprint

bp = Blueprint("competitions", __name__, template_folder="templates", url_prefix="/competitions")
