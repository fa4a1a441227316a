"""Secrets kept in files outside the database, made once: the session secret, the checkpoint signing key."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def made_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's content; if there is no file, `make()` is written there first with mode 0600.

    Atomically: the new content is written to a file of its own and linked into place, so
    processes racing to make it agree on one (the first link wins; the others read it).
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(make())
        try:
            os.link(staged, path)  # fails if another process got there first: then theirs is the secret
        except FileExistsError:
            pass
        finally:
            staged.unlink()
    return path.read_bytes()
