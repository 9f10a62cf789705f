"""Training plans (enterprise admins) and completion reports (city and provincial admins)."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")
