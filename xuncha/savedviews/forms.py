"""The base of every page's filter form that a saved view is checked against."""

from django import forms


class PageFilterForm(forms.Form):
    """A list page's GET filters (field validation only). Subclasses may narrow choices to
    what `user` may see; a value that no longer exists is an error with a Chinese message."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


def flag(label):
    """A "1"-style switch such as ?overdue=1."""
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", "（不限）"), ("1", "是")],
        error_messages={"invalid_choice": "取值应为 1。"},
    )


def choice(label, choices, what):
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", "（全部）"), *choices],
        error_messages={"invalid_choice": f"{what}“%(value)s”不存在。"},
    )
