"""The public look-up form of a certificate number (证书查验)."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.web import BaseForm
from certificates.verification import MAX_NUMBER_LENGTH


class VerifyForm(BaseForm):
    """A GET form (it changes nothing): no CSRF token, so the address can be shared."""

    class Meta(BaseForm.Meta):
        csrf = False

    number = StringField(
        "证书编号",
        validators=[
            DataRequired("请输入证书编号"),
            Length(max=MAX_NUMBER_LENGTH, message="证书编号过长，请核对后重试"),
        ],
        description="证书上印制的编号：1 个字母加 21 位数字，如 S131234567890123456789。",
    )
