"""Security headers: a strict Content-Security-Policy on every HTML answer, nosniff on every answer.

The pages load scripts and styles only from /static (no inline script, no CDN); charts
are inline SVG drawn on the server. The printable campaign report
(`/reports/campaign?format=html`) carries its style inline: its hash is allowed. The
framework's API explorer (/docs, /redoc) loads its own assets from a CDN and runs an
inline script, so it gets no CSP, only the framing and sniffing headers.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interfaces.report_formats.html import STYLE as REPORT_STYLE

_REPORT_STYLE_HASH = base64.b64encode(hashlib.sha256(REPORT_STYLE.encode()).digest()).decode()
CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    f"style-src 'self' 'sha256-{_REPORT_STYLE_HASH}'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
API_EXPLORER = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        explorer = str(scope.get("path", "")).startswith(API_EXPLORER)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                extra = [(b"x-content-type-options", b"nosniff")]
                if content_type.startswith(b"text/html"):
                    extra += [(b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]
                    if not explorer:
                        extra.append((b"content-security-policy", CSP.encode()))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
