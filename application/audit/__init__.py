"""The log that proves itself: a leaf hash per stored event, a Merkle tree over them, signed checkpoints, proofs.

`leaves` (the exact hashing), `recorders` (leaves written in the event's own transaction),
`leaf_store` (the leaf table's SQL), `verify` (recomputing and naming breaks),
`checkpoints` (Ed25519 signed tree heads), `service` (the `Audit` use cases).
"""
