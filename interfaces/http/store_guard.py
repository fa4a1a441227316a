"""While the store watch finds the database away, every request that needs it is answered
503 at once (a problem document with Retry-After), instead of waiting for a pooled
connection that cannot come. Liveness, metrics and static files are still served."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from interfaces.http.problems import store_unavailable

WITHOUT_DATABASE = ("/healthz", "/metrics", "/static/")


class StoreGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith(WITHOUT_DATABASE):
            watch = getattr(scope["app"].state, "store_watch", None) if "app" in scope else None
            if watch is not None and watch.down:
                await store_unavailable(scope.get("path"))(scope, receive, send)
                return
        await self.app(scope, receive, send)
