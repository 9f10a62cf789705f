"""The application factory.

Importing this package loads nothing but the standard library: Flask, the extensions and the
domain packages are imported inside `create_app`, so that importing `app.errors`,
`app.timeutil` or any pure `rules` module (which runs this file first) stays cheap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app."""
    from flask import Flask

    from app.config import load_config
    from app.extensions import (
        bootstrap,
        csrf,
        db,
        init_limiter,
        migrate,
        ping_idle_connections,
    )

    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH"))
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # Chinese messages stay readable in JSON bodies
    from app import input as bad_input

    bad_input.init_app(app)  # first: bounds `<int:…>` before any route is added

    db.init_app(app)
    with app.app_context():
        ping_idle_connections(db.engine, app.config["DB_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    init_limiter(app)

    from app import (
        api,
        form_once,  # noqa: F401  (the table of used form tokens)
        headers,
        jobs,
        sorting,  # noqa: F401  (the zh_natural collation)
        transaction,
        web,
    )

    api.init_app(app)
    jobs.init_app(app)
    web.init_app(app)
    transaction.init_app(app)
    headers.init_app(app)

    # Each package registers its pages, API, access policies and menu entries.
    from app.auth import init_app as init_auth
    from app.courses import init_app as init_courses
    from app.law_trainings import init_app as init_law_trainings
    from app.orgs import init_app as init_orgs
    from app.reports import init_app as init_reports

    init_auth(app)
    init_orgs(app)
    init_reports(app)
    init_courses(app)
    init_law_trainings(app)

    import certificates
    import competitions
    import exams
    import question_bank

    for package in (question_bank, exams, competitions, certificates):
        package.init_app(app)

    from app.demo import demo_data_command

    app.cli.add_command(demo_data_command)

    @app.get("/healthz")
    def healthz():
        """Liveness and database check."""
        from sqlalchemy import text

        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy"
            return {"status": "error", "detail": "database unavailable"}, 503
        return {"status": "ok"}

    return app
