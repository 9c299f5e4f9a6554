"""Pages for offices, units, accounts, role grants and API tokens.

Thin: every protected row comes through `org.access` (404 when not visible), every change
through `org.services` (DomainError -> form error / message, PermissionDenied -> 403).
Pages that show a secret (an initial password, a new API token) render it in the POST
answer itself, marked no-store, instead of redirecting: the secret never sits in a
session, a message cookie or the audit log.
"""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.org import access, services
from xuncha.org.models import ApiToken, Office, Role, RoleAssignment, Unit, User

UNIT_PAGE_SIZE = 50
USER_PAGE_SIZE = 30


def _guard(check, message):
    """A view decorator: signed in, and `check(user)` holds, else 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


account_admin_required = _guard(
    access.manages_accounts, "只有巡察办管理员或系统管理员可以管理账号。"
)
unit_editor_required = _guard(access.edits_units, "只有巡察办管理员或工作人员可以维护单位信息。")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so that core/form.html renders it properly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css


def _form_error(form, error: DomainError):
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _secret_page(request, context):
    response = render(request, "org/user_secret.html", context)
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- offices


def _count(queryset):
    counted = queryset.order_by().values("office").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@login_required
def office_list(request):
    offices = (
        access.visible(Office.objects.all(), request.user)
        .annotate(
            # Two correlated counts rather than one join over units × users.
            unit_count=_count(
                Unit.objects.filter(office=OuterRef("pk"), status=Unit.Status.ACTIVE)
            ),
            user_count=_count(User.objects.filter(office=OuterRef("pk"))),
        )
        .order_by("path")
    )
    return render(request, "org/office_list.html", {"offices": offices})


# ---------------------------------------------------------------- units


class UnitCreateForm(StyledForm):
    name = forms.CharField(label="单位名称", max_length=120)
    kind = forms.ChoiceField(label="类型", choices=Unit.Kind.choices)
    office = forms.ModelChoiceField(label="管理机构", queryset=Office.objects.none())
    parent = forms.ModelChoiceField(
        label="上级党组织", queryset=Unit.objects.none(), required=False
    )
    district = forms.CharField(label="所在区县", max_length=60, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offices = access.visible(Office.objects.all(), user)
        if not access.is_sysadmin(user):
            ids = [o.pk for o in access.user_offices(user, services.UNIT_EDITORS)]
            offices = offices.filter(pk__in=ids)
        self.fields["office"].queryset = offices.order_by("path")
        self.fields["parent"].queryset = _parent_choices(user)


def _parent_choices(user):
    return (
        access.visible(Unit.objects.all(), user)
        .filter(status=Unit.Status.ACTIVE)
        .only("id", "name", "path")
        .order_by("path")
    )


class UnitEditForm(StyledForm):
    kind = forms.ChoiceField(label="类型", choices=Unit.Kind.choices)
    district = forms.CharField(label="所在区县", max_length=60, required=False)


class UnitMoveForm(StyledForm):
    parent = forms.ModelChoiceField(
        label="新的上级党组织",
        queryset=Unit.objects.none(),
        required=False,
        help_text="留空表示作为顶级单位。本单位的全部下级单位随之调整。",
    )

    def __init__(self, user, unit, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _parent_choices(user).exclude(path__startswith=unit.path)


class UnitRenameForm(StyledForm):
    name = forms.CharField(label="新名称", max_length=120)
    on = forms.DateField(
        label="更名日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="单位保留原有巡察记录；原名称记入审计日志。",
    )


class UnitMergeForm(StyledForm):
    units = forms.ModelMultipleChoiceField(
        label="被合并单位", queryset=Unit.objects.none(), widget=forms.SelectMultiple({"size": 8})
    )
    into = forms.ModelChoiceField(
        label="并入已有单位", queryset=Unit.objects.none(), required=False
    )
    name = forms.CharField(
        label="或新建单位名称", max_length=120, required=False, help_text="二者填一项。"
    )
    kind = forms.ChoiceField(
        label="新单位类型",
        choices=[("", "与第一个被合并单位相同"), *Unit.Kind.choices],
        required=False,
    )
    on = forms.DateField(
        label="合并日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editable = (
            access.visible(Unit.objects.all(), user, access.CHANGE)
            .filter(status=Unit.Status.ACTIVE)
            .only("id", "name", "path")
            .order_by("path")
        )
        self.fields["units"].queryset = editable
        self.fields["into"].queryset = editable

    def clean(self):
        data = super().clean()
        if bool(data.get("into")) == bool((data.get("name") or "").strip()):
            raise forms.ValidationError("请选择并入的已有单位，或填写新建单位名称（二者填一项）。")
        return data


@login_required
def unit_list(request):
    units = access.visible(
        Unit.objects.select_related("office", "parent", "successor"), request.user
    )
    q = request.GET.get("q", "").strip()[:50]
    if q:
        units = units.filter(name__contains=q)
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in Unit.Status.values:
        units = units.filter(status=status)
    office = request.GET.get("office", "")
    if office.isdigit():
        units = units.filter(office_id=int(office))
    page = Paginator(units.order_by("path"), UNIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "org/unit_list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": Unit.Kind.choices,
            "status": status,
            "statuses": Unit.Status.choices,
            "can_edit": access.edits_units(request.user),
        },
    )


@login_required
def unit_detail(request, pk):
    unit = access.get_for_user(
        Unit.objects.select_related("office", "parent", "successor"), request.user, pk
    )
    visible = access.visible(Unit.objects.all(), request.user)
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "ancestors": visible.ancestors_of(unit).order_by("path"),
            "children": visible.filter(parent=unit).order_by("path"),
            "subtree_size": visible.subtree(unit, include_self=False).count(),
            "predecessors": visible.filter(successor=unit).order_by("pk"),
            "can_change": access.can(request.user, unit, access.CHANGE),
        },
    )


@unit_editor_required
def unit_create(request):
    form = UnitCreateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                name=data["name"],
                kind=data["kind"],
                office=data["office"],
                parent=data["parent"],
                district=data["district"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"已新建单位“{unit.name}”。")
            return redirect("org:unit_detail", pk=unit.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "新建被巡察单位", "submit_label": "保存"}
    )


def _unit_change_view(request, pk, form_class, title, apply, *, needs_unit=False, initial=None):
    unit = access.get_for_user(Unit.objects.select_related("office"), request.user, pk, "change")
    args = (request.user, unit) if needs_unit else ()
    form = form_class(*args, request.POST or None, initial=initial(unit) if initial else None)
    if request.method == "POST" and form.is_valid():
        try:
            message = apply(unit, form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, message)
            return redirect("org:unit_detail", pk=unit.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"{title}：{unit.name}", "submit_label": "保存"},
    )


@unit_editor_required
def unit_edit(request, pk):
    def apply(unit, data):
        services.unit_update(
            unit=unit, kind=data["kind"], district=data["district"], actor=request.user
        )
        return "单位信息已保存。"

    return _unit_change_view(
        request,
        pk,
        UnitEditForm,
        "编辑单位",
        apply,
        initial=lambda u: {"kind": u.kind, "district": u.district},
    )


@unit_editor_required
def unit_move(request, pk):
    def apply(unit, data):
        parent = data["parent"]
        if parent is not None:
            parent = access.get_for_user(Unit, request.user, parent.pk)
        services.unit_move(unit=unit, new_parent=parent, actor=request.user)
        return "隶属关系已调整。"

    return _unit_change_view(
        request,
        pk,
        UnitMoveForm,
        "调整隶属关系",
        apply,
        needs_unit=True,
        initial=lambda u: {"parent": u.parent_id},
    )


@unit_editor_required
def unit_rename(request, pk):
    def apply(unit, data):
        services.unit_rename(unit=unit, name=data["name"], on=data["on"], actor=request.user)
        return "单位已更名，原有巡察记录保留。"

    return _unit_change_view(
        request, pk, UnitRenameForm, "单位更名", apply, initial=lambda u: {"name": u.name}
    )


@unit_editor_required
def unit_merge(request):
    form = UnitMergeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            successor = services.unit_merge(
                units=data["units"],
                into=data["into"],
                name=(data["name"] or "").strip(),
                kind=data["kind"],
                on=data["on"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"已合并到“{successor.name}”，被合并单位的巡察记录保留。")
            return redirect("org:unit_detail", pk=successor.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "单位合并", "submit_label": "合并"}
    )


# ---------------------------------------------------------------- accounts


def locked_users(user):
    """Accounts in the administrator's scope that are locked out after failed logins."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(
        username=OuterRef("username"), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    return access.visible(User.objects.all(), user, access.CHANGE).filter(Exists(attempts))


class UserCreateForm(StyledForm):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    email = forms.EmailField(label="电子邮箱", required=False)
    office = forms.ModelChoiceField(
        label="所属巡察机构", queryset=Office.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label="或所属单位", queryset=Unit.objects.none(), required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offices = _admin_offices(user)
        self.fields["office"].queryset = offices
        self.fields["unit"].queryset = (
            Unit.objects.filter(office__in=offices, status=Unit.Status.ACTIVE)
            .only("id", "name", "path")
            .order_by("path")
        )

    def clean(self):
        data = super().clean()
        if bool(data.get("office")) == bool(data.get("unit")):
            raise forms.ValidationError("请选择所属巡察机构或所属单位（二者选一）。")
        return data


class UserEditForm(StyledForm):
    full_name = forms.CharField(label="姓名", max_length=50)
    email = forms.EmailField(label="电子邮箱", required=False)


class RoleGrantForm(StyledForm):
    role = forms.ChoiceField(label="角色")
    office = forms.ModelChoiceField(
        label="机构范围", queryset=Office.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label="单位范围", queryset=Unit.objects.none(), required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offices = _admin_offices(user)
        self.fields["role"].choices = services.grantable_roles(user)
        self.fields["office"].queryset = offices
        self.fields["unit"].queryset = (
            Unit.objects.filter(office__in=offices, status=Unit.Status.ACTIVE)
            .only("id", "name", "path")
            .order_by("path")
        )


def _admin_offices(user):
    """Offices whose accounts the user administers (a queryset, filtered in SQL)."""
    return access.visible(Office.objects.all(), user, access.CHANGE).order_by("path")


def _user_rows(user):
    return access.visible(
        User.objects.select_related("office", "unit").prefetch_related(
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.select_related("office", "unit").order_by("pk"),
            )
        ),
        user,
    )


@account_admin_required
def user_list(request):
    users = _user_rows(request.user)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    state = request.GET.get("state", "")
    if state == "active":
        users = users.filter(is_active=True)
    elif state == "inactive":
        users = users.filter(is_active=False)
    locked = locked_users(request.user).filter(pk=OuterRef("pk"))
    users = users.annotate(locked=Exists(locked))
    if request.GET.get("locked"):
        users = users.filter(locked=True)
    page = Paginator(users.order_by("username"), USER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "org/user_list.html", {"page": page, "q": q, "state": state})


@account_admin_required
def user_create(request):
    form = UserCreateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                office=data["office"],
                unit=data["unit"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _secret_page(
                request, {"target": user, "password": password, "title": "账号已创建"}
            )
    return render(
        request, "core/form.html", {"form": form, "title": "新建账号", "submit_label": "创建"}
    )


@login_required
def user_detail(request, pk):
    target = access.get_for_user(_user_rows(request.user), request.user, pk)
    can_change = (
        access.visible(User.objects.all(), request.user, access.CHANGE)
        .filter(pk=target.pk)
        .exists()
    )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return render(
        request,
        "org/user_detail.html",
        {
            "target": target,
            "can_change": can_change,
            "locked": services.is_locked_out(target),
            "has_otp": TOTPDevice.objects.filter(user=target, confirmed=True).exists(),
            "grant_form": RoleGrantForm(request.user) if can_change else None,
            "revocable": set(
                access.visible(
                    RoleAssignment.objects.filter(user=target), request.user, access.CHANGE
                ).values_list("pk", flat=True)
            ),
        },
    )


def _changeable_user(request, pk):
    return access.get_for_user(User, request.user, pk, access.CHANGE)


def _run(request, action, success: str):
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


@account_admin_required
def user_edit(request, pk):
    target = _changeable_user(request, pk)
    form = UserEditForm(
        request.POST or None, initial={"full_name": target.full_name, "email": target.email}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                user=target,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "账号信息已保存。")
            return redirect("org:user_detail", pk=target.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"编辑账号：{target.username}", "submit_label": "保存"},
    )


@require_POST
@account_admin_required
def user_set_active(request, pk):
    target = _changeable_user(request, pk)
    active = request.POST.get("active") == "1"
    _run(
        request,
        lambda: services.user_set_active(user=target, active=active, actor=request.user),
        "账号已启用。" if active else "账号已停用。",
    )
    return redirect("org:user_detail", pk=target.pk)


@require_POST
@account_admin_required
def user_unlock(request, pk):
    target = _changeable_user(request, pk)
    _run(request, lambda: services.user_unlock(user=target, actor=request.user), "已解除登录锁定。")
    return redirect("org:user_detail", pk=target.pk)


@require_POST
@account_admin_required
def user_otp_reset(request, pk):
    target = _changeable_user(request, pk)
    _run(
        request,
        lambda: services.user_otp_reset(user=target, actor=request.user),
        "已重置双因素验证器，该用户下次登录时须重新绑定。",
    )
    return redirect("org:user_detail", pk=target.pk)


@require_POST
@account_admin_required
@never_cache
def user_password_reset(request, pk):
    target = _changeable_user(request, pk)
    password = services.user_password_reset(user=target, actor=request.user)
    return _secret_page(request, {"target": target, "password": password, "title": "密码已重置"})


@require_POST
@account_admin_required
def role_grant(request, pk):
    target = _changeable_user(request, pk)
    form = RoleGrantForm(request.user, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        office, unit = data["office"], data["unit"]
        if data["role"] in {Role.UNIT_LIAISON, Role.HANDOVER_RECIPIENT}:
            office = None
        else:
            unit = None
        _run(
            request,
            lambda: services.role_grant(
                user=target, role=data["role"], office=office, unit=unit, actor=request.user
            ),
            "角色已授予。",
        )
    else:
        messages.error(request, "请选择角色及其范围。")
    return redirect("org:user_detail", pk=target.pk)


@require_POST
@account_admin_required
def role_revoke(request, pk):
    grant = access.get_for_user(RoleAssignment, request.user, pk, access.CHANGE)
    _run(
        request,
        lambda: services.role_revoke(assignment=grant, actor=request.user),
        "角色已撤销。",
    )
    return redirect("org:user_detail", pk=grant.user_id)


# ---------------------------------------------------------------- API tokens


class TokenForm(StyledForm):
    name = forms.CharField(label="用途", max_length=60, help_text="例如：整改数据同步脚本")


@login_required
@never_cache
def token_list(request):
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.token_create(
                name=form.cleaned_data["name"], actor=request.user
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            form = TokenForm()
    tokens = access.visible(ApiToken.objects.filter(user=request.user), request.user)
    response = render(
        request,
        "org/token_list.html",
        {
            "form": form,
            "secret": secret,
            "tokens": tokens.order_by("-pk"),
            "now": timezone.now(),
            "token_days": settings.API_TOKEN_DAYS,
        },
    )
    if secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request, pk):
    token = access.get_for_user(ApiToken, request.user, pk, access.CHANGE)
    _run(
        request,
        lambda: services.token_revoke(token=token, actor=request.user),
        f"令牌“{token.name}”已吊销。",
    )
    return redirect("org:token_list")
