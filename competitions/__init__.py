"""技能竞赛: the competitions domain package."""


def init_app(app) -> None:
    """Register the package's blueprints."""
    import competitions.models  # noqa: F401  (the tables, for migrations and create_all)
    from app.api import api
    from competitions import live
    from competitions.board_views import blp as board_api
    from competitions.board_views import bp as board_bp
    from competitions.views import bp

    app.register_blueprint(bp)
    # The live leaderboard: publishes committed changes, serves the board and its stream.
    live.init_app(app)
    app.register_blueprint(board_bp)
    api.register_blueprint(board_api)
