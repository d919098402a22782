"""The client's address, for rate limits and sign-in lock-outs.

REMOTE_ADDR, unless BEHIND_PROXY: then the X-Real-IP the proxy sets (and must overwrite,
never pass on from the client), since REMOTE_ADDR is the proxy itself.
"""

from django.conf import settings


def client_address(request) -> str:
    if settings.BEHIND_PROXY:
        return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")
    return request.META.get("REMOTE_ADDR", "")
