"""Recovery commands for whoever runs the server: `flask --app app unlock-account|set-password`."""

import click
from flask.cli import with_appcontext

from app.errors import Invalid
from app.extensions import db


def _account(username: str):
    from app.auth.services import find_user

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"没有用户名为 {username} 的账号")
    return user


@click.command("unlock-account")
@click.argument("username")
@with_appcontext
def unlock_account_command(username: str) -> None:
    """Lift the lock-out of USERNAME and reactivate it (the rate limits' counters stay)."""
    from app.auth.services import set_active, unlock

    user = _account(username)
    unlock(user)
    if not user.active:
        set_active(user, True)
    db.session.commit()  # a command is its own transaction
    click.echo(f"账号 {user.username} 已解锁并启用。")


@click.command("set-password")
@click.argument("username")
@click.password_option("--password", prompt="新密码", confirmation_prompt="再次输入新密码")
@click.option("--temporary", is_flag=True, help="the holder must change it at the next login")
@with_appcontext
def set_password_command(username: str, password: str, temporary: bool) -> None:
    """Set the password of USERNAME (unlocking it; its sessions end)."""
    from app.auth.services import set_password

    user = _account(username)
    try:
        set_password(user, password, by_admin=temporary)
    except Invalid as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()  # a command is its own transaction
    click.echo(f"账号 {user.username} 的密码已设置。")
