"""Staff accounts: sign-in (the password step, django-axes' lock-out, the password
reset), the second factor (an authenticator app, passkeys, backup codes) and the gate
every staff page passes, and the account page with the organisation switch.

What it may import: Django and the sign-in libraries (django-otp, django-otp-webauthn,
django-axes, django-ratelimit), and of orgs only `orgs.models` and `orgs.current`.
Never `orgs.admin`, which builds on this package (the users' unlock calls `lockout`,
the admin site asks `second_factor`), and never requests_app, which uses it too
(`member_required`, the account page).
"""
