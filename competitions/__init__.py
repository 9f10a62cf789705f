"""技能竞赛: the competitions domain package."""


def init_app(app) -> None:
    """Register the package's pages, API, policies and menu."""
    import competitions.models  # noqa: F401  (the tables, for migrations and create_all)
    from app.api import api
    from app.roles import Role
    from app.web import add_nav_item
    from competitions import live
    from competitions.api import blp as setup_api
    from competitions.board_views import blp as board_api
    from competitions.board_views import bp as board_bp
    from competitions.judging_views import bp as judging_bp
    from competitions.policy import register_policies
    from competitions.results_api import blp as results_api_blp
    from competitions.results_views import bp as results_bp
    from competitions.scoring_api import blp as scoring_blp
    from competitions.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(judging_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(results_bp)
    api.register_blueprint(setup_api)
    api.register_blueprint(scoring_blp)
    api.register_blueprint(board_api)
    api.register_blueprint(results_api_blp)
    register_policies()
    # The live leaderboard publishes committed changes to every process's viewers.
    live.init_app(app)
    add_nav_item(
        app,
        115,
        "competitions.index",
        "技能竞赛",
        {Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.ENTERPRISE_ADMIN, Role.CHIEF_JUDGE},
    )
    add_nav_item(app, 70, "judging.index", "评分", {Role.JUDGE, Role.CHIEF_JUDGE})
    from competitions.report_provider import register_report

    register_report()  # 统计报表
