"""Law-training JSON API: the yearly coverage of the 14 regions."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import API_PREFIX
from app.law_trainings import services
from app.security import ADMIN_ROLES, require_role
from app.timeutil import local_today

blp = Blueprint(
    "law_trainings_api", __name__, url_prefix=API_PREFIX, description="法律法规公益培训"
)


class CoverageQuery(Schema):
    year = fields.Integer(
        load_default=None,
        validate=validate.Range(2000, 2100, error="年份应在 2000–2100 之间"),
        metadata={"description": "年份，默认今年"},
    )


@blp.get("/law-trainings/coverage")
@blp.arguments(CoverageQuery, location="query")
@login_required
def coverage(args):
    """Each region's trainings (non-cancelled, dated in the year), held, sign-ups, attendees.

    Any administrator (province, city, enterprise) may read it: it is the province's public
    goal. Trainees, judges and chief judges are refused with 403.
    """
    require_role(current_user, *ADMIN_ROLES)
    return services.coverage_json(args["year"] or local_today().year)
