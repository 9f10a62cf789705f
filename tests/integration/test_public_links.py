"""Links that leave the browser (QR codes, shared addresses) point where the server answers."""

from app.web import FALLBACK_BASE_URL, public_url


def test_without_public_base_url_links_take_the_requests_own_host(app, monkeypatch):
    app.config["PUBLIC_BASE_URL"] = ""
    with app.test_request_context("/", base_url="http://192.168.1.20:8080"):
        assert public_url("/verify/S1") == "http://192.168.1.20:8080/verify/S1"
    # A background job has no request to take a host from.
    monkeypatch.setattr("app.web.has_request_context", lambda: False)
    assert public_url("/verify/S1") == f"{FALLBACK_BASE_URL}/verify/S1"


def test_public_base_url_wins_when_set(app):
    app.config["PUBLIC_BASE_URL"] = "https://peixun.hbwyxh.cn/"
    with app.test_request_context("/", base_url="http://127.0.0.1:5077"):
        assert public_url("/verify/S1") == "https://peixun.hbwyxh.cn/verify/S1"


def test_the_sign_up_qr_link_follows_the_port_the_server_runs_on(app, client, make):
    from datetime import timedelta

    from app.extensions import db
    from app.law_trainings import services
    from app.law_trainings.models import LawTraining
    from app.timeutil import local_today

    app.config["PUBLIC_BASE_URL"] = ""
    training = LawTraining(
        region_id=make.region().id,
        topic="普法",
        held_on=local_today() + timedelta(days=3),
        place="会场",
        capacity=10,
        audience_types=["owner"],
    )
    db.session.add(training)
    db.session.commit()
    signup = services.sign_up(
        training.id,
        name="张三",
        phone="13812341234",
        id_tail="1234",
        audience_type="owner",
        organisation="",
    )
    db.session.commit()
    with app.test_request_context("/", base_url="http://127.0.0.1:5077"):
        from app.law_trainings.views import _public_url

        assert _public_url(f"/law-trainings/checkin/{signup.token}").startswith(
            "http://127.0.0.1:5077/law-trainings/checkin/"
        )


def test_the_favicon_is_served(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
    with client.get("/static/favicon.svg") as response:
        assert response.status_code == 200
