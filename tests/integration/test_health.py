from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.extensions import db, ping_idle_connections


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_a_pooled_connection_the_database_dropped_is_replaced_before_use(app):
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_seconds=0)
    try:
        with engine.connect() as connection:
            dropped = connection.connection.dbapi_connection
            _drop(url, connection)
        with engine.connect() as connection:  # the pool's only connection, checked first
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert connection.connection.dbapi_connection is not dropped
    finally:
        engine.dispose()


def _drop(url: str, connection) -> None:
    """End the connection from the database's side (SQLite: close it under the pool)."""
    if connection.dialect.name != "postgresql":
        connection.connection.dbapi_connection.close()
        return
    pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    connection.rollback()
    killer = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
