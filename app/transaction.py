"""One transaction per request: services flush, the request commits once.

As Indico's request handler: when the handler answers with success (below 400) the request
commits; when it answers with an error, or raises, everything it flushed is rolled back, so
that a refused import or a failed form leaves nothing half-written. A handler that must
commit early says why where it does.
"""

from app.extensions import db


def init_app(app) -> None:
    """Commit or roll back at the end of every request."""

    @app.after_request
    def _end_transaction(response):
        if not db.session.registry.has():
            return response  # the request never opened a session (an answer save's fast way)
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
