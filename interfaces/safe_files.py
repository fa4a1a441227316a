"""Files the command line writes (reports, the census error file): whole or not at all, and only where named.

- A file is written to a temporary file in the same folder and renamed into place, so a
  reader never sees half a report and a crash leaves the old file as it was.
- A symbolic link at the target is refused unless `force` is given; with `force` the link
  itself is replaced by the new file (a rename never follows a link), so nothing outside
  the folder named is ever written.
- Anything else at the target that is not a regular file (a folder, a device) is refused.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class UnsafeTarget(Exception):
    """The target is a symbolic link (without force) or not a regular file."""


def check_target(path: Path, *, force: bool = False) -> None:
    """Refuses a target that writing would follow or clobber (see the module's rules)."""
    if path.is_symlink():
        if not force:
            raise UnsafeTarget(
                f"{path} 是符号链接，拒绝写入；如确需替换该链接请加 --force "
                f"({path} is a symbolic link: refusing to write through it; --force replaces the link itself)"
            )
        return
    if path.exists() and not path.is_file():
        raise UnsafeTarget(f"{path} 不是普通文件 (not a regular file)")
    if not path.parent.is_dir():
        raise UnsafeTarget(f"目录 {path.parent} 不存在 (no such folder)")


@contextmanager
def replacing(path: Path, *, force: bool = False) -> Iterator[IO[bytes]]:
    """A binary file that becomes `path` when the block ends without error (and is discarded otherwise)."""
    check_target(path, force=force)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        check_target(path, force=force)  # nothing was put there meanwhile
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _mode_for(path: Path) -> int:
    """The existing file's permissions, or what a new file gets under the process's umask."""
    if path.is_file() and not path.is_symlink():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
