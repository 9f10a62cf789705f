"""Law-training pages: events (city and provincial admins), the public sign-up, check-in."""

from flask import Blueprint

bp = Blueprint("law_trainings", __name__, url_prefix="/law-trainings")
