"""Pages of certification batches (职业技能等级认定): set-up, registration, the candidate's view.

The "assessment" pages register their routes on this same blueprint (``certification``).
"""

from flask import Blueprint

bp = Blueprint("certification", __name__, template_folder="templates", url_prefix="/certification")
