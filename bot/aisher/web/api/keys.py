"""API keys, held only as SHA-256 digests, and the bearer token a request presents.

The keys are hashed once at start-up and the plain keys are not kept: a heap dump or a debug
print of the API shows digests only. A presented token is hashed and compared with every digest
in constant time (no early exit), so neither the timing of one comparison nor the position of
the matching key tells an attacker anything. Logs and the audit trail name a key by a short
prefix of its digest, its `key id`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import SecretStr

# 12 hex digits (48 bits): unique among any realistic number of keys, useless to guess a key.
KEY_ID_LENGTH = 12


def key_digest(key: str) -> bytes:
    # Bytes, not str: compare_digest refuses non-ASCII str and a header may carry some.
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


def key_id(digest: bytes) -> str:
    """The name logs and the audit trail give the key with this digest."""
    return digest.hex()[:KEY_ID_LENGTH]


@dataclass(frozen=True, slots=True)
class Credential:
    """What a request presented: nothing, something malformed, or a bearer token's digest."""

    kind: str  # "missing" | "malformed" | "bearer"
    digest: bytes = b""

    @property
    def key_id(self) -> str | None:
        """The presented token's key id (whether or not it is a valid key)."""
        return key_id(self.digest) if self.kind == "bearer" else None


def read_credential(authorization: str | None) -> Credential:
    """The credential in an `Authorization` header value."""
    if not authorization:
        return Credential("missing")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return Credential("malformed")
    return Credential("bearer", key_digest(token))


class ApiKeys:
    """The configured keys as digests; `identify` says which key (if any) a credential is."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = tuple(dict.fromkeys(key_digest(key) for key in keys if key))

    @classmethod
    def from_secrets(cls, keys: Iterable[SecretStr]) -> ApiKeys:
        return cls(key.get_secret_value() for key in keys)

    @property
    def configured(self) -> bool:
        return bool(self._digests)

    @property
    def ids(self) -> tuple[str, ...]:
        """The key ids, for the start-up log."""
        return tuple(key_id(digest) for digest in self._digests)

    def identify(self, credential: Credential) -> str | None:
        """The key id of the configured key the credential presents, or None."""
        if credential.kind != "bearer":
            return None
        match: bytes | None = None
        for digest in self._digests:
            if hmac.compare_digest(digest, credential.digest):
                match = digest
        return key_id(match) if match is not None else None
