"""Configuration read from the environment, with defaults that suit a single machine."""

import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: str, name: str) -> str:
    """Read a secret kept in `instance/`, generating it on first use."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _secure_cookies(public_base_url: str) -> bool:
    """Cookies only over HTTPS when the site is served over HTTPS (or the environment says so)."""
    return public_base_url.startswith("https://") or os.environ.get("SESSION_COOKIE_SECURE") == "1"


def _ratelimit_storage() -> str:
    """Where rate limits are counted: shared by every worker in Redis when there is one."""
    if explicit := os.environ.get("RATELIMIT_STORAGE_URI"):
        return explicit
    return os.environ.get("REDIS_URL") or "memory://"


def load_config(instance_path: str) -> dict:
    """Build the configuration mapping for `create_app`."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    default_db = "sqlite:///" + str(Path(instance_path) / "wuye.db")
    public_base_url = os.environ.get("PUBLIC_BASE_URL", "")
    secure_cookies = _secure_cookies(public_base_url)
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        # Statements' parameters (password hashes, phone numbers) stay out of error logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        # Pooled connections idle this long are checked before use (`ping_idle_connections`).
        "DB_PING_IDLE_SECONDS": 10,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path, "secret_key"),
        # Key of the identity-number column: kept apart from the database so a dump alone
        # reveals nothing. Production deployments pass it in the environment.
        "PII_KEY": os.environ.get("PII_KEY") or _instance_secret(instance_path, "pii_key"),
        # The address printed in QR codes and links (`app.web.public_url`); when unset, links
        # are built from each request's own host, so `make run PORT=…` prints working links.
        "PUBLIC_BASE_URL": public_base_url,
        # Ed25519 keys signing certificates' credentials (`certificates.keys`): a PEM in the
        # environment, else generated into this folder on first use; never in the database.
        "CERTIFICATE_SIGNING_KEY": os.environ.get("CERTIFICATE_SIGNING_KEY", ""),
        "CERTIFICATE_KEYS_DIR": str(Path(instance_path) / "certificate-keys"),
        # Public certificate look-ups per client address (against scraping the register).
        "VERIFY_LIMITS": "30 per minute;300 per hour",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # Counted per process with `memory://`; in Redis (shared by every worker) with REDIS_URL.
        "RATELIMIT_STORAGE_URI": _ratelimit_storage(),
        # Redis down: limits count in each worker's memory (a warning logged) rather than
        # refusing every request; logins do the same through `app.extensions.counters`.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # argon2id at OWASP's parameters (m = 19 MiB, t = 2, p = 1); a Werkzeug method name
        # ("scrypt", "pbkdf2:sha256:1000") instead makes new hashes with that method.
        "PASSWORD_HASH_METHOD": "argon2id",
        "ARGON2_MEMORY_KIB": 19 * 1024,
        "ARGON2_TIME_COST": 2,
        "ARGON2_PARALLELISM": 1,
        # Five wrong passwords in a row lock an account for 15 minutes (CONTRACT.md).
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        # Failed logins allowed per client address and per username, whatever the username
        # (the limiter's storage: Redis when configured). Successful logins are not counted,
        # so an exam hall behind one address can sign in at once.
        "LOGIN_LIMITS_PER_ADDRESS": "30 per minute;300 per hour",
        "LOGIN_LIMITS_PER_ACCOUNT": "10 per minute;50 per hour",
        # An idle exam page asks for its attempt's clock this often (a proctor's extension or
        # closing reaches it; every save brings the clock too).
        "EXAM_CLOCK_SYNC_SECONDS": 30,
        "ROSTER_MAX_ROWS": 20000,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "API_TITLE": "wuye-skills API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "PAGE_SIZE": 20,
        # Certificates (certificates.issuing): the issuer printed on them, and the fixed parts
        # of their numbers (letter, organisation code, province, assessment site; see
        # certificates/rules/numbering.py for the whole format).
        "CERTIFICATE_ISSUER": os.environ.get("CERTIFICATE_ISSUER", "河北省物业管理行业协会"),
        "CERTIFICATE_NUMBER": {
            "letter": os.environ.get("CERTIFICATE_NUMBER_LETTER", "S"),
            "organisation": os.environ.get("CERTIFICATE_ORGANISATION_CODE", "000001"),
            "province": os.environ.get("CERTIFICATE_PROVINCE_CODE", "13"),
            "site": os.environ.get("CERTIFICATE_SITE_CODE", "0001"),
        },
        # Without a background worker, the provincial admin may issue a batch of at most this
        # many certificates within the request.
        "CERTIFICATE_ISSUE_IN_REQUEST_LIMIT": 300,
    }
