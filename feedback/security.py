"""Security headers on every response, in one place.

The pages hold the words of care experienced young people, some of them disclosures of harm: no script but our
own files runs on them, no other site may frame them, no address (a personal link's token) leaks onwards in a
Referer, and no browser or proxy keeps a copy. HSTS is sent only over TLS, where the browser takes notice of it.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

# No inline script or style anywhere: the templates use static/site.css and static/young.js only.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# The stylesheet and script are the same for everyone and hold nothing personal: a phone on a poor signal may
# keep them. Everything else (staff pages, a young person's pages, the API, exports) is never stored.
CACHEABLE_ENDPOINTS = frozenset({"static"})


def register(app: Flask) -> None:
    """Add the headers to every response of `app`."""
    app.after_request(security_headers)


def security_headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response
