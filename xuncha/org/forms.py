from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败 %(limit)s 次后账号将被锁定。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.error_messages = {**self.error_messages}
        self.error_messages["invalid_login"] = self.error_messages["invalid_login"] % {
            "limit": settings.AXES_FAILURE_LIMIT
        }
        # AuthenticationForm only sets the HTML maxlength; without a validator an over-long
        # name reaches authenticate() and axes' varchar(255) column (a 500 on PostgreSQL).
        self.fields["username"].validators.append(
            MaxLengthValidator(150, message="用户名不能超过 150 个字符。")
        )
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"


_PASSWORD_INPUT = forms.PasswordInput(attrs={"class": "form-control"})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="当前密码", widget=_PASSWORD_INPUT)
    new_password1 = forms.CharField(
        label="新密码",
        widget=_PASSWORD_INPUT,
    )
    new_password2 = forms.CharField(label="再次输入新密码", widget=_PASSWORD_INPUT)

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        # Built per form, so the text follows the configured rules (length, history).
        self.fields[
            "new_password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("当前密码不正确。")
        return value

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return data


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label="动态验证码",
        max_length=6,
        min_length=6,
        error_messages={
            "required": "请输入 6 位动态验证码。",
            "min_length": "请输入 6 位动态验证码。",
            "max_length": "请输入 6 位动态验证码。",
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("验证码应为 6 位数字。")
        return token
