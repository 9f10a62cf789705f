"""Law-training JSON API: the yearly coverage of the 14 regions."""

from flask_smorest import Blueprint

from app.api import API_PREFIX

blp = Blueprint(
    "law_trainings_api", __name__, url_prefix=API_PREFIX, description="法律法规公益培训"
)
