"""Signed tree heads: the log's size and Merkle root at a moment, signed with the bureau's Ed25519 key.

The private key lives outside the database, in a file (`ZHIJIAN_AUDIT_KEY_FILE`, or
`audit-signing-key.pem` in the data folder, made once with mode 0600 as the session secret
is). What is signed is the UTF-8 text

    zhijian checkpoint v1\\n<size>\\n<root_hash hex>\\n<signed_at>\\n

and `key_id` is the first 16 hex digits of SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from application.secret_files import made_once


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root_hash: str  # hex
    signed_at: str  # ISO 8601, UTC
    signature: str  # hex, Ed25519 over `message()`
    key_id: str

    def message(self) -> bytes:
        return signed_text(self.size, self.root_hash, self.signed_at)

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "root_hash": self.root_hash, "time": self.signed_at,
                "signature": self.signature, "key_id": self.key_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checkpoint:
        """From `as_dict`'s shape (what GET /audit/checkpoint and `zhijian audit checkpoint` give)."""
        try:
            return cls(int(data["size"]), str(data["root_hash"]), str(data["time"]), str(data["signature"]),
                       str(data["key_id"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"not a checkpoint: {e}") from None

    @classmethod
    def read(cls, path: Path) -> Checkpoint:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def signed_text(size: int, root_hash: str, signed_at: str) -> bytes:
    return f"zhijian checkpoint v1\n{size}\n{root_hash}\n{signed_at}\n".encode()


class SigningKey:
    """The bureau's checkpoint key, read from (or made once in) its file."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public: Ed25519PublicKey = private.public_key()
        self.public_raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(self.public_raw).hexdigest()[:16]

    @classmethod
    def from_file(cls, path: Path) -> SigningKey:
        """The key in `path` (PKCS#8 PEM), made there first (mode 0600) if there is none."""
        pem = made_once(path, lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(private)

    def sign(self, size: int, root: bytes, signed_at: str) -> Checkpoint:
        root_hex = root.hex()
        signature = self._private.sign(signed_text(size, root_hex, signed_at))
        return Checkpoint(size, root_hex, signed_at, signature.hex(), self.key_id)

    def signed(self, checkpoint: Checkpoint) -> bool:
        """Whether this key signed the checkpoint as it reads now."""
        if checkpoint.key_id != self.key_id:
            return False
        try:
            self.public.verify(bytes.fromhex(checkpoint.signature), checkpoint.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def public_pem(self) -> str:
        return self.public.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def checkpoint_json(checkpoint: Checkpoint) -> str:
    return json.dumps(checkpoint.as_dict(), ensure_ascii=False, indent=2) + "\n"
