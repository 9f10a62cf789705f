"""成绩查询: a city association reads the results of the exams its region's people sat."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.timeutil import utcnow
from exams import region_results, reports
from exams.policy import reads_results

bp = Blueprint("exam_results", __name__, template_folder="templates", url_prefix="/exam-results")


def _reader() -> None:
    if not reads_results(current_user):
        abort(403)


def _page_arg() -> int:
    try:
        return min(max(1, int(request.args.get("page", 1))), 100_000)
    except ValueError:
        return 1


@bp.get("/")
@login_required
def index():
    """The exams the region's people were candidates of, with sat, passed and the rate."""
    _reader()
    page = region_results.exam_list(current_user, _page_arg())
    return render_template("exams/results/index.html", page=page, now=utcnow())


@bp.get("/<int:exam_id>")
@login_required
def exam(exam_id: int):
    """One exam's candidates in the region (one enterprise's, if chosen), read-only."""
    _reader()
    exam = region_results.exam_in_scope(current_user, exam_id)
    if exam is None:
        abort(404)
    enterprises = region_results.enterprises_of(current_user, exam)
    enterprise_id = request.args.get("enterprise_id", type=int)
    if enterprise_id not in {e for e, _ in enterprises}:
        enterprise_id = None
    rows = region_results.exam_rows(current_user, exam, utcnow(), enterprise_id)
    return render_template(
        "exams/results/exam.html",
        exam=exam,
        rows=rows,
        **reports.tally(rows),
        enterprises=enterprises,
        enterprise_id=enterprise_id,
        states=reports.RESULT_STATES,
    )
