"""Forms of login, password change and account management."""

from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from app.auth.rules import MAX_PASSWORD_LENGTH
from app.form_once import OnceForm
from app.web import BaseForm

PASSWORD_HINT = "至少 8 位，包含字母和数字；不能是常见密码，也不能包含用户名"
# Caps of what is typed: the username column, and the longest password the rules accept.
USERNAME_CAP = Length(max=64, message="用户名不能超过 64 个字符")
PASSWORD_CAP = Length(max=MAX_PASSWORD_LENGTH, message=f"密码不能超过 {MAX_PASSWORD_LENGTH} 位")


class LoginForm(BaseForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), USERNAME_CAP])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), PASSWORD_CAP])


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(
        "当前密码", validators=[DataRequired("请输入当前密码"), PASSWORD_CAP]
    )
    new_password = PasswordField(
        "新密码", validators=[DataRequired("请输入新密码"), PASSWORD_CAP], description=PASSWORD_HINT
    )
    confirm = PasswordField(
        "确认新密码",
        validators=[
            DataRequired("请再次输入新密码"),
            PASSWORD_CAP,
            EqualTo("new_password", "两次输入的新密码不一致"),
        ],
    )


USERNAME_RULE = Regexp(r"^[A-Za-z0-9_.@-]{3,64}$", message="用户名为 3–64 位字母、数字或 _ . @ -")


class AccountForm(OnceForm):
    username = StringField(
        "用户名", validators=[DataRequired("请输入用户名"), USERNAME_CAP, USERNAME_RULE]
    )
    display_name = StringField("姓名/名称", validators=[Optional(), Length(max=64)])
    password = PasswordField(
        "初始密码",
        validators=[DataRequired("请输入初始密码"), PASSWORD_CAP],
        description=PASSWORD_HINT,
    )
    role = SelectField("角色", validate_choice=True)
    region_id = SelectField("所属地区", coerce=int, validate_choice=False)
    enterprise_id = SelectField("所属企业", coerce=int, validate_choice=False)


class TraineeAccountForm(OnceForm):
    username = StringField(
        "用户名", validators=[DataRequired("请输入用户名"), USERNAME_CAP, USERNAME_RULE]
    )
    password = PasswordField(
        "初始密码",
        validators=[DataRequired("请输入初始密码"), PASSWORD_CAP],
        description=PASSWORD_HINT,
    )


class ResetPasswordForm(BaseForm):
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), PASSWORD_CAP])
