"""A real PostgreSQL server for the test session, started with initdb/pg_ctl.

PostgreSQL refuses to run as root, so when the tests run as root the server binaries
run as an unprivileged user (`nobody`) in a temporary directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path:
    """PG_BINDIR, then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin."""
    candidates: list[str] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for c in candidates:
        if (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise RuntimeError(
        "No PostgreSQL server binaries (initdb, pg_ctl) found: set PG_BINDIR or install Debian's postgresql "
        "(.ci/run does this)."
    )


def _private_dir(as_user: str | None) -> Path:
    """A new temporary directory that only the server's user may enter."""
    root = Path(tempfile.mkdtemp(prefix="zhijian-pg-"))
    if as_user:
        pw = pwd.getpwnam(as_user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    root.chmod(0o700)
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    version: str
    _as_user: str | None
    _databases: int = 0

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        kwargs: dict = {"capture_output": True, "text": True, "check": check, "cwd": str(self.root)}
        if self._as_user:
            pw = pwd.getpwnam(self._as_user)
            kwargs["user"] = pw.pw_uid
            kwargs["group"] = pw.pw_gid
            kwargs["extra_groups"] = []
            kwargs["env"] = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.root), "LC_ALL": "C.UTF-8"}
        return subprocess.run(cmd, **kwargs)

    @classmethod
    def start(cls, *, replication: bool = False, durable: bool = False, shared_buffers: str | None = None,
              ) -> PostgresServer:
        """A new server; with `replication`, one that a standby can stream from (see `start_standby`);
        `shared_buffers` as a production server would size them (the default, 128 MB, is for tests)."""
        bindir = find_bindir()
        as_user = "nobody" if os.geteuid() == 0 else None
        version = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()
        server = cls(bindir, _private_dir(as_user), _free_port(), version, as_user)
        server._run(str(bindir / "initdb"), "-D", str(server.datadir), "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        # Durable: what a test that crashes the server needs, so that an acknowledged commit survives
        # the crash as in production (the default trades durability for speed).
        extra = " -c fsync=on -c synchronous_commit=on -c full_page_writes=on" if durable else ""
        if shared_buffers:
            extra += f" -c shared_buffers={shared_buffers}"
        if replication:
            # wal_level=replica and max_wal_senders are PostgreSQL's defaults since 10; said here so
            # that a changed default cannot quietly break the standby. initdb -A trust already lets
            # 127.0.0.1 connect for replication; the line is added so the test does not rely on that.
            extra += " -c wal_level=replica -c max_wal_senders=4 -c wal_keep_size=64MB"
            with (server.datadir / "pg_hba.conf").open("a") as hba:
                hba.write("host replication all 127.0.0.1/32 trust\n")
        server._extra = extra
        server._start(extra)
        return server

    def start_standby(self) -> PostgresServer:
        """A hot standby of this server (started with replication=True): a base backup taken
        with `pg_basebackup -R` (which writes primary_conninfo and standby.signal), started
        with hot_standby=on, streaming from this server. Stop it before this one."""
        standby = type(self)(self.bindir, _private_dir(self._as_user), _free_port(), self.version, self._as_user)
        standby._run(str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                     "-D", str(standby.datadir), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        standby._start(" -c hot_standby=on -c hot_standby_feedback=on")
        return standby

    def _start(self, extra: str = "") -> None:
        # The same max_connections on a standby as on its primary: a hot standby refuses fewer.
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300" + extra)
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", opts, "-l",
                  str(self.root / "server.log"), "-w", "-t", "60", "start")
        self._wait_ready()

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, prefix: str = "t") -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def kill(self) -> None:
        """Stops the server at once, as a crash would (`pg_ctl stop -m immediate`); its data stays for `restart`."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        """Starts a killed server again, on the same port, data and settings."""
        self._start(getattr(self, "_extra", ""))

    def restart_in_place(self) -> None:
        """`pg_ctl restart -m fast`: sessions ended, a clean shutdown, and started again with the same options."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-l",
                  str(self.root / "server.log"), "-w", "-t", "60", "restart")
        self._wait_ready()

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
