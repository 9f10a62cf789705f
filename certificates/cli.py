"""`flask --app app certificates …`: commands for whoever runs the server."""

import click
from flask.cli import AppGroup

from certificates import keys

certificates_cli = AppGroup("certificates", help="证书：签名密钥等运维命令。")


@certificates_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Make a new signing key; older keys stay published (public half only)."""
    try:
        new, retired = keys.rotate()
    except keys.SigningKeyError as error:
        raise click.ClickException(
            f"{error}。密钥由环境变量 {keys.ENV_NAME} 提供时，请生成新密钥"
            "（openssl genpkey -algorithm ed25519），把它放在该变量的最前面、旧密钥放在其后，"
            "再重启服务。"
        ) from error
    click.echo(f"新签名密钥：{new.kid}")
    for kid in retired:
        click.echo(f"已停用（仅保留公钥，继续发布用于验证旧凭证）：{kid}")
    click.echo(f"密钥目录：{keys.keys_dir()}")


@certificates_cli.command("keys")
def list_keys_command() -> None:
    """List the published keys; the first one signs."""
    ring = keys.keyring()
    for key in ring.published:
        marker = "签名" if key.kid == ring.signing.kid else "仅验证"
        click.echo(f"{key.kid}  {marker}")


@certificates_cli.command("re-sign")
@click.option("--kid", default=None, help="only the credentials signed with this key")
def re_sign_command(kid: str | None) -> None:
    """Sign stored credentials again with the newest key (after rotating a leaked key)."""
    from app.extensions import db
    from certificates import credentials

    count = credentials.re_sign(kid)
    db.session.commit()  # a command is its own transaction
    click.echo(f"已用新密钥重新签名 {count} 份电子凭证。")
