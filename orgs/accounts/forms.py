"""Forms of the staff sign-in: the code of the second factor, its set-up, the name of a
new passkey, the organisation switch. The password step is Django's AuthenticationForm (it passes the
request to authenticate(), which django-axes needs)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp.forms import OTPAuthenticationFormMixin, OTPTokenForm

from orgs.accounts import passkeys

_TOKEN_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "pattern": r"[0-9 ]*",
    "maxlength": "8",
    "autofocus": True,
}

OTP_MESSAGES = dict(
    OTPAuthenticationFormMixin.otp_error_messages,
    token_required=_("Enter the 6-digit code from your authenticator app."),
    invalid_token=_("That code is not right. Check the time on your phone and try the newest code."),
    verification_not_allowed=_("Too many wrong codes: wait a moment before you try again."),
    n_failed_attempts=ngettext_lazy(
        "%(failure_count)d wrong code: wait a moment before you try again.",
        "%(failure_count)d wrong codes in a row: wait a moment before you try again.",
        "failure_count",
    ),
)


def _digits(value: str) -> str:
    return "".join((value or "").split())


class SignInForm(AuthenticationForm):
    """Username and password; authenticate() runs through django-axes first."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or the password is not right. Both are case-sensitive."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets the username's max_length after the field is made, so it
        # checks nothing: a longer name reached authenticate() and django-axes, whose
        # failure row holds 255 characters (a DataError, a 500). Refused here, unsent.
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))


class SecondFactorForm(OTPTokenForm):
    """django-otp's token form; the device list is hidden when there is one device."""

    otp_error_messages = OTP_MESSAGES

    def __init__(self, user, request=None, *args, **kwargs):
        super().__init__(user, request, *args, **kwargs)
        self.fields["otp_device"].label = _("Device")
        _only_devices(self, "otp_totp.")  # backup codes have their own page (BackupCodeForm)
        token = self.fields["otp_token"]
        token.label = _("6-digit code")
        token.widget = forms.TextInput(attrs=_TOKEN_ATTRS)

    def clean_otp_token(self):
        return _digits(self.cleaned_data.get("otp_token"))


def _only_devices(form, prefix: str) -> list[str]:
    """Keep the device field to the user's devices of one kind (persistent id prefix)."""
    field = form.fields["otp_device"]
    field.choices = [(value, label) for value, label in field.choices if not value or value.startswith(prefix)]
    devices = [value for value, _label in field.choices if value]
    if len(devices) == 1:
        field.initial = devices[0]
        field.widget = forms.HiddenInput()
    return devices


class BackupCodeForm(OTPTokenForm):
    """One of the user's backup codes (django-otp's static device) in place of the app's code."""

    otp_error_messages = dict(
        OTP_MESSAGES,
        token_required=_("Enter one of your backup codes."),
        invalid_token=_("That backup code is not right, or it has been used already."),
        device_required=_("You have no backup codes."),
    )

    def __init__(self, user, request=None, *args, **kwargs):
        super().__init__(user, request, *args, **kwargs)
        _only_devices(self, "otp_static.")
        token = self.fields["otp_token"]
        token.label = _("Backup code")
        token.widget = forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none",
                                              "spellcheck": "false", "maxlength": "20", "autofocus": True})

    def clean_otp_token(self):
        return _digits(self.cleaned_data.get("otp_token")).lower()


class DeviceSetupForm(forms.Form):
    """Confirms a new TOTP device: the code the app shows must match its secret."""

    otp_token = forms.CharField(label=_("6-digit code"), widget=forms.TextInput(attrs=_TOKEN_ATTRS))

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        token = _digits(self.cleaned_data["otp_token"])
        allowed, _extra = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(OTP_MESSAGES["verification_not_allowed"], code="throttled")
        if not self.device.verify_token(token):
            raise forms.ValidationError(OTP_MESSAGES["invalid_token"], code="invalid_token")
        return token


class OrganisationSwitchForm(forms.Form):
    organisation = forms.SlugField(label=_("Organisation"))


class PasskeyNameForm(forms.Form):
    name = forms.CharField(label=_("Name of the new passkey"), max_length=passkeys.NAME_MAX_LENGTH,
                           help_text=_("Where the passkey lives, e.g. “work laptop” or “blue security key”."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "aria-describedby": "passkey-name-help"}))
