"""Statements' parameters (password hashes, phone numbers) never reach an error message."""

import pytest
from sqlalchemy import exc, text

from app.extensions import db


def test_the_engine_hides_parameters(app):
    with app.app_context():
        assert db.engine.hide_parameters is True


def test_a_failed_statement_does_not_show_its_parameters(app):
    secret = "13912345678-secret-value"
    with app.app_context():
        with pytest.raises(exc.DBAPIError) as raised:
            db.session.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret})
        db.session.rollback()
    assert secret not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
