"""Settings, from the environment (prefix ZHIJIAN_) and an optional .env file."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# TCP keepalives on every PostgreSQL connection: one to a vanished server is found broken within about 20 s.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 5, "keepalives_count": 3}


# The library's application recorders with each event's leaf hash written beside it
# (application/audit/recorders.py), named by topic so that settings import nothing of the store.
POSTGRES_RECORDER = "application.audit.recorders:LeafRecordingPostgresRecorder"
SQLITE_RECORDER = "application.audit.recorders:LeafRecordingSQLiteRecorder"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIJIAN_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="postgresql://user:password@host:port/dbname[?schema=s]; unset means SQLite under data_dir",
    )
    read_database_url: str | None = Field(
        default=None,
        description="a hot standby of database_url (PostgreSQL streaming replica) that serves the views' reads",
    )
    # How long a read with `after=` waits for the replica before it is answered from the primary.
    replica_wait_seconds: float = Field(default=1.0, ge=0)
    data_dir: Path = Path("var")
    pool_size: int = 5
    max_overflow: int = 10
    # Bounds on every database call (PostgreSQL), so that an unreachable database costs a
    # request seconds, not minutes: a new connection, a wait for a pooled one, one statement (0: none).
    db_connect_timeout_seconds: int = Field(default=2, ge=2)  # libpq's minimum is 2
    db_pool_timeout_seconds: int = Field(default=5, ge=1)
    db_statement_timeout_seconds: float = Field(default=60.0, ge=0)
    # Bounded server-side retries of a command that lost a race to a concurrent save.
    command_retries: int = 8
    # Aggregates (enterprises, officials) kept in memory per process, fast-forwarded on each use.
    aggregate_cache_size: int = Field(default=4096, ge=1)
    # A snapshot every this many events of an enterprise or official; 0: none.
    snapshot_interval: int = Field(default=50, ge=0)
    # How long a server process trusts what it last read of an official when authenticating:
    # a token revoked or an official deactivated elsewhere is refused within this bound; 0: at once.
    auth_recheck_seconds: float = Field(default=1.0, ge=0)
    max_body_bytes: int = 64 * 1024
    # On SIGTERM: how long requests in flight may finish before they are cancelled and the server exits.
    shutdown_grace_seconds: int = Field(default=30, ge=0)
    # Create the tables (and the events' immutability triggers) at start if missing. false: a role
    # that may not run DDL (the service's, deploy/) only checks that `zhijian db init` made them.
    create_tables: bool = True
    # On PostgreSQL the server also runs the projections (elected per view) unless false: the
    # projection worker (`zhijian project`, its own role) feeds the views instead.
    projections_in_server: bool = True
    # The Ed25519 key that signs the log's checkpoints, kept outside the database; unset: made
    # once (mode 0600) in data_dir as audit-signing-key.pem.
    audit_key_file: Path | None = None
    # A signed checkpoint is recorded (zhijian_checkpoints) this often by the projection worker or
    # the server that runs the projections, when the log has grown; 0: never.
    checkpoint_minutes: float = Field(default=10.0, ge=0)

    @property
    def is_postgres(self) -> bool:
        return bool(self.database_url) and urlsplit(self.database_url or "").scheme.startswith("postgres")

    def read_replica(self) -> Settings | None:
        """These settings pointed at the read replica (None without one); only beside a PostgreSQL primary."""
        if not self.read_database_url:
            return None
        if not self.is_postgres or not urlsplit(self.read_database_url).scheme.startswith("postgres"):
            raise ValueError(
                "ZHIJIAN_READ_DATABASE_URL must be a postgresql:// URL of a standby of ZHIJIAN_DATABASE_URL, "
                "which must be PostgreSQL too"
            )
        return self.model_copy(update={"database_url": self.read_database_url, "read_database_url": None})

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.data_dir / "audit-signing-key.pem"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "zhijian.sqlite3"

    def connection_params(self) -> dict[str, object]:
        """libpq parameters of every connection of our own: the connect timeout and TCP keepalives."""
        return {"connect_timeout": self.db_connect_timeout_seconds, **KEEPALIVES}

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's persistence settings for this deployment."""
        if self.database_url and not self.is_postgres:
            raise ValueError(f"ZHIJIAN_DATABASE_URL must be a postgresql:// URL, not {self.database_url!r}")
        if not self.is_postgres:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER,
            }
        url = urlsplit(self.database_url or "")
        query = parse_qs(url.query)
        env = {
            "PERSISTENCE_MODULE": "application.recorder_postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "zhijian",
            "POSTGRES_HOST": query.get("host", [url.hostname or "localhost"])[0],
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.max_overflow),
            # The library's name for how long a request waits for a pooled connection.
            "POSTGRES_CONNECT_TIMEOUT": str(self.db_pool_timeout_seconds),
            # A pooled connection is checked as it is taken: after a restart no request meets a dead one.
            "POSTGRES_PRE_PING": "y",
            "ZHIJIAN_DB_CONNECT_TIMEOUT": str(self.db_connect_timeout_seconds),
            "ZHIJIAN_DB_STATEMENT_TIMEOUT_MS": str(int(self.db_statement_timeout_seconds * 1000)),
            "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER,
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        if not self.create_tables:
            env["CREATE_TABLE"] = "n"
        return env
