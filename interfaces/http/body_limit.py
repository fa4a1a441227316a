"""An ASGI middleware that refuses request bodies over a size limit with a 413 problem document.

It checks Content-Length first, then counts the body as it streams in (a chunked body has
no Content-Length). Bodies under the limit are buffered and handed on unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interfaces.http.problems import MEDIA_TYPE, TYPE_BASE


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send, declared.isdigit())
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; let the app see it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send, True)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return message
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, too_large: bool) -> None:
        status, rule, title, detail = (
            (413, "body-too-large", "Request body too large",
             f"请求体超过 {self.max_bytes} 字节 (request body exceeds {self.max_bytes} bytes)")
            if too_large
            else (400, "bad-content-length", "Bad Content-Length", "Content-Length 无效 (invalid Content-Length)")
        )
        problem: dict[str, Any] = {"type": TYPE_BASE + rule, "title": title, "status": status, "detail": detail,
                                   "instance": scope.get("path"), "rule": rule, "errors": []}
        body = json.dumps(problem, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
