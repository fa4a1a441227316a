"""The audit's use cases: verify the log, sign its tree head, prove inclusion and consistency, check a checkpoint.

Proofs are computed from the stored leaves (the leaf table), streamed in one read-only
transaction: each proof reads every leaf once at most (its subtrees are disjoint), so it
costs about what a root does. Verification recomputes each leaf from the stored event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from application.audit.checkpoints import Checkpoint, SigningKey
from application.audit.leaf_store import CheckpointRow, LeafStore, LogReader
from application.audit.verify import VerifyReport, verify_log
from domain import errors
from domain.merkle import EMPTY_ROOT, PerfectSubtrees, consistency_proof, inclusion_proof, verify_consistency

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InclusionProof:
    position: int
    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    root_hash: bytes
    audit_path: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]


@dataclass(frozen=True)
class CheckpointCheck:
    """What `verify --checkpoint` found of a checkpoint an auditor kept."""

    signed: bool  # by the bureau's key, as it reads now
    extends: bool  # today's log, recomputed from its events, begins with exactly the checkpoint's tree
    size_now: int
    report: VerifyReport

    @property
    def ok(self) -> bool:
        return self.signed and self.extends and self.report.ok


class Audit:
    """The log's proofs over one ledger's store; the signing key is read when first needed."""

    def __init__(self, leaves: LeafStore, key_loader: Callable[[], SigningKey], owner: Any = None,
                 block: int = 1024) -> None:
        self.leaves = leaves
        self._owner = owner  # the application whose store this is: kept open while the audit is used
        self._key_loader = key_loader
        self._key: SigningKey | None = None
        self._lock = threading.Lock()
        # Hashes of the log's perfect subtrees of 1,024 leaves and more, kept once computed: they never
        # change in a log that only grows, so after the first proof or checkpoint the next ones read about
        # a thousand leaves per level instead of the whole log. Verify never uses them.
        self.subtrees = PerfectSubtrees(block)

    @property
    def key(self) -> SigningKey:
        with self._lock:
            if self._key is None:
                self._key = self._key_loader()
            return self._key

    # -- verification ------------------------------------------------------------------------

    def verify(self, start: int = 0, stop: int | None = None,
               progress: Callable[[int], None] | None = None) -> VerifyReport:
        with self.leaves.reading() as reader:
            return verify_log(reader, start, stop, progress=progress)

    def last_position(self) -> int:
        with self.leaves.reading() as reader:
            return reader.last_position()

    def check_checkpoint(self, checkpoint: Checkpoint,
                         progress: Callable[[int], None] | None = None) -> CheckpointCheck:
        """The checkpoint's signature, and that today's log extends it: the first `size` leaves recomputed
        from today's events give its root, and the stored leaves' consistency proof leads from it to
        today's recomputed root."""
        signed = self.key.signed(checkpoint)
        with self.leaves.reading() as reader:
            size = reader.size()
            report = verify_log(reader, roots_at=(checkpoint.size, size), progress=progress)
            extends = False
            old_root = bytes.fromhex(checkpoint.root_hash) if _is_hex(checkpoint.root_hash) else b""
            if checkpoint.size <= size and checkpoint.size in report.roots_at and size in report.roots_at:
                proof = consistency_proof(checkpoint.size, size, PerfectSubtrees().over(reader.leaf_hashes))
                extends = (report.roots_at[checkpoint.size] == old_root
                           and verify_consistency(checkpoint.size, size, old_root, report.roots_at[size], proof))
        return CheckpointCheck(signed, extends, size, report)

    # -- tree heads ------------------------------------------------------------------------------

    def checkpoint(self, now: datetime | None = None) -> Checkpoint:
        """The signed tree head of the stored leaves now."""
        with self.leaves.reading() as reader:
            size = reader.size()
            top = self._root(reader, size)
        signed_at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return self.key.sign(size, top, signed_at)

    def record_checkpoint(self) -> Checkpoint | None:
        """Signs and keeps a checkpoint in `zhijian_checkpoints` if the log grew since the last one kept."""
        last = self.leaves.latest_checkpoint()
        checkpoint = self.checkpoint()
        if last is not None and last.size == checkpoint.size:
            return None
        self.leaves.record_checkpoint(CheckpointRow(checkpoint.size, checkpoint.root_hash, checkpoint.signed_at,
                                                    checkpoint.signature, checkpoint.key_id))
        return checkpoint

    def latest_recorded(self) -> Checkpoint | None:
        row = self.leaves.latest_checkpoint()
        return None if row is None else Checkpoint(row.size, row.root_hash, row.signed_at, row.signature, row.key_id)

    # -- proofs ----------------------------------------------------------------------------------

    def inclusion(self, position: int, size: int | None = None) -> InclusionProof:
        """The audit path of the event at `position` in the tree of `size` leaves (today's when None)."""
        with self.leaves.reading() as reader:
            now = reader.size()
            size = now if size is None else size
            if not 0 < size <= now:
                raise errors.InvalidValue(f"树大小须在 1 到 {now} 之间 (size must be 1..{now})", field="size")
            leaf = reader.leaf_at(position)
            if leaf is None:
                raise errors.NotFound(f"位置 {position} 没有记录的事件 (no event recorded at position {position})")
            if leaf.leaf_index >= size:
                raise errors.InvalidValue(
                    f"位置 {position} 的事件在大小为 {size} 的树之后 "
                    f"(the event at {position} is not in a tree of {size})",
                    field="size")
            path = inclusion_proof(leaf.leaf_index, size, self.subtrees.over(reader.leaf_hashes))
            top = self._root(reader, size)
        return InclusionProof(position, leaf.leaf_index, leaf.leaf, size, top, path)

    def consistency(self, first: int, second: int | None = None) -> ConsistencyProof:
        """The proof that the tree of `second` leaves (today's when None) extends the one of `first`."""
        with self.leaves.reading() as reader:
            now = reader.size()
            second = now if second is None else second
            if not 0 <= first <= second <= now:
                raise errors.InvalidValue(
                    f"须 0 ≤ from ≤ to ≤ {now} (need 0 <= from <= to <= {now}: the log has {now} leaves)", field="to")
            proof = consistency_proof(first, second, self.subtrees.over(reader.leaf_hashes))
            first_root = self._root(reader, first)
            second_root = self._root(reader, second)
        return ConsistencyProof(first, second, first_root, second_root, proof)

    def _root(self, reader: LogReader, size: int) -> bytes:
        """MTH of the first `size` stored leaves."""
        return self.subtrees.over(reader.leaf_hashes)(0, size) if size else EMPTY_ROOT


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


class CheckpointTimer:
    """Records a checkpoint every `minutes` (when the log grew) on a daemon thread, until stopped."""

    def __init__(self, audit: Audit, minutes: float) -> None:
        self.audit, self.seconds = audit, minutes * 60
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CheckpointTimer:
        if self.seconds > 0:
            self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.wait(self.seconds):
            try:
                recorded = self.audit.record_checkpoint()
            except Exception as e:  # noqa: BLE001 - a missed checkpoint is logged; the next one comes
                log.warning("audit checkpoint not recorded: %s: %s", type(e).__name__, e)
                continue
            if recorded is not None:
                log.info("audit checkpoint recorded: size %d root %s", recorded.size, recorded.root_hash)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)


def build_audit(ledger: Any, settings: Any) -> Audit:
    """The audit over a ledger's store, signing with the settings' key file (made on first use)."""
    return audit_over(ledger.leaves, settings, owner=ledger)


def audit_over(leaves: LeafStore, settings: Any, owner: Any = None, block: int = 1024) -> Audit:
    """The audit over these leaves (any reader of the store: the ledger's, or the projection worker's own), signing
    with the settings' key file (made on first use)."""
    return Audit(leaves, lambda: SigningKey.from_file(settings.audit_key_path), owner=owner, block=block)
