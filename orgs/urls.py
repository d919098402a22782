"""Staff accounts under /accounts/ (orgs/accounts/), included before django.contrib.auth.urls.

Names are not namespaced: Django's password views (change, reset confirm, done pages,
logout) come from django.contrib.auth.urls and find each other by these plain names.
The account page's API-token actions are requests_app's (requests_app/api/token_urls.py).
"""

from django.urls import path

from orgs.accounts import account, otp_views, passkey_views, sign_in

urlpatterns = [
    path("login/", sign_in.SignInView.as_view(), name="login"),
    path("otp/", otp_views.otp_verify, name="otp_verify"),
    path("otp/backup/", otp_views.otp_backup, name="otp_backup"),
    path("otp/setup/", otp_views.otp_setup, name="otp_setup"),
    path("backup-codes/", account.generate_backup_codes, name="generate_backup_codes"),
    # Passkeys: JSON steps for static/js/passkeys.js, and the removal (with its confirmation page).
    path("passkeys/register/begin/", passkey_views.BeginRegistration.as_view(), name="passkey_register_begin"),
    path("passkeys/register/complete/", passkey_views.CompleteRegistration.as_view(),
         name="passkey_register_complete"),
    path("otp/passkey/begin/", passkey_views.BeginAuthentication.as_view(), name="passkey_auth_begin"),
    path("otp/passkey/complete/", passkey_views.CompleteAuthentication.as_view(), name="passkey_auth_complete"),
    path("passkeys/<int:passkey_id>/remove/", passkey_views.remove_passkey, name="remove_passkey"),
    path("password_reset/", sign_in.ResetPasswordView.as_view(), name="password_reset"),
    path("", account.account, name="account"),
    path("organisation/", account.switch_organisation, name="switch_organisation"),
]
