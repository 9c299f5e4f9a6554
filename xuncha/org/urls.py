from django.urls import path

from xuncha.org import user_views, views

app_name = "org"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    # Offices, units, accounts, API tokens (org/user_views.py)
    path("offices/", user_views.office_list, name="office_list"),
    path("units/", user_views.unit_list, name="unit_list"),
    path("units/new/", user_views.unit_create, name="unit_create"),
    path("units/merge/", user_views.unit_merge, name="unit_merge"),
    path("units/<int:pk>/", user_views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", user_views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", user_views.unit_move, name="unit_move"),
    path("units/<int:pk>/rename/", user_views.unit_rename, name="unit_rename"),
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_create, name="user_create"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", user_views.user_edit, name="user_edit"),
    path("users/<int:pk>/active/", user_views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/unlock/", user_views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/otp-reset/", user_views.user_otp_reset, name="user_otp_reset"),
    path(
        "users/<int:pk>/password-reset/",
        user_views.user_password_reset,
        name="user_password_reset",
    ),
    path("users/<int:pk>/roles/", user_views.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", user_views.role_revoke, name="role_revoke"),
    path("tokens/", user_views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", user_views.token_revoke, name="token_revoke"),
]
