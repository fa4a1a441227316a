"""How long the audit takes on a generated store: verify, a signed checkpoint, an inclusion and a consistency proof.

    python -m bench.audit [--database-url postgresql://...] [--data-dir DIR]

Run it on a store made by `python -m bench.generate` (city: ~93,000 events). Prints wall
seconds for each, once after one warm-up of verify. Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from application.audit.service import build_audit
from application.bootstrap import build_ledger
from application.settings import Settings
from domain.merkle import verify_consistency, verify_inclusion


def timed(label: str, fn):
    t0 = time.perf_counter()
    value = fn()
    print(f"{label:<46} {time.perf_counter() - t0:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings(database_url=args.database_url, data_dir=args.data_dir or Path("var"),
                        audit_key_file=Path(tempfile.mkdtemp()) / "bench-key.pem")
    ledger = build_ledger(settings)
    audit = build_audit(ledger, settings)
    audit.verify()  # warm-up: the store's pages into the cache
    report = timed("verify (recompute every leaf, the root)", audit.verify)
    print(f"  events {report.checked}, ok {report.ok}")
    cp = timed("checkpoint (root of the stored leaves, signed)", audit.checkpoint)
    check = timed("verify --checkpoint (verify + consistency)", lambda: audit.check_checkpoint(cp))
    print(f"  checkpoint ok {check.ok}")
    with ledger.leaves.reading() as reader:
        position = next(lf.position for lf in reader.leaves() if lf.leaf_index == cp.size // 2)
    p = timed("inclusion proof (one event, today's tree)", lambda: audit.inclusion(position))
    print(f"  verifies {verify_inclusion(p.leaf_hash, p.leaf_index, p.tree_size, p.audit_path, p.root_hash)}, "
          f"path {len(p.audit_path)} hashes")
    c = timed("consistency proof (half the log -> all)", lambda: audit.consistency(cp.size // 2))
    print(f"  verifies {verify_consistency(c.first, c.second, c.first_root, c.second_root, c.proof)}")
    ledger.close()


if __name__ == "__main__":
    main()
