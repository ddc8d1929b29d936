"""Which attribute and field names hold secrets (`db.password`, `X-Api-Key`, `clientSecret`).

Keys are split into words (`http.request.header.authorization` → …, `authorization`;
`clientSecret` → `client`, `secret`); a key names a secret when one of its words does, unless its
last word only describes a secret (`token_count`, `secret_name`) or names code (`TokenService`).
Card security codes (`cvv`, `securityCode`) and social security numbers (`ssn`) count as secrets.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

_WORD_BOUNDARY = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_SECRET_WORDS = frozenset((
    "pwd", "pass", "token", "session", "sessid", "auth", "sig", "signature", "creds", "jwt",
    "bearer", "otp", "cvv", "cvv2", "cvc", "cvc2", "csc", "cvn", "ssn",
))  # fmt: skip
# Matched inside a word, so `PGPASSWORD`, `clientSecret` and `JSESSIONID` count too.
_SECRET_STEMS = (
    "password", "passwd", "passphrase", "secret", "credential", "authorization", "cookie",
    "apikey", "privatekey", "accesskey", "accountkey", "signingkey", "sessionid", "accesstoken",
    "refreshtoken", "authtoken", "idtoken",
)  # fmt: skip
_KEY_QUALIFIERS = (
    "api", "private", "access", "account", "signing", "encryption", "master", "shared", "client",
    "ssh",
)  # fmt: skip
_SECRET_PAIRS = frozenset((word, "key") for word in _KEY_QUALIFIERS) | {
    ("security", "code"),  # a card's CVV
    ("card", "code"),
}
# A last word like these describes a secret rather than holding it (`token_count`,
# `secret_name`, `session.duration`) or names code (`TokenService`, `BadCredentialsException`).
_BENIGN_WORDS = frozenset((
    "count", "counts", "type", "kind", "length", "len", "size", "bytes", "limit", "max", "min",
    "expires", "expiry", "expiration", "expired", "exp", "ttl", "age", "duration", "timeout",
    "time", "at", "name", "names", "version", "policy", "format", "scheme", "algorithm", "alg",
    "present", "provided", "valid", "enabled", "required", "missing", "source", "method", "mode",
    "status", "state", "result", "level", "url", "uri", "link", "path", "file", "endpoint",
    "domain", "realm", "issuer", "audience", "scope", "scopes", "rate", "ratio", "total", "usage",
    "prefix", "exception", "error", "errors", "service", "manager", "provider", "factory",
    "handler", "validator", "encoder", "decoder", "parser", "filter", "client", "store",
    "repository", "controller", "impl", "helper", "interceptor", "resolver", "converter",
    "builder", "config", "configuration", "cache", "pool", "context", "test", "tests", "module",
    "class", "field",
))  # fmt: skip
_SOURCE_SUFFIXES = frozenset((
    "java", "kt", "scala", "groovy", "py", "go", "js", "ts", "rb", "cs", "php", "rs", "swift",
    "c", "cpp", "h",
))  # fmt: skip


@lru_cache(maxsize=4096)  # attribute keys repeat on every span
def is_secret_key(key: str) -> bool:
    """Whether an attribute or field name says its value is a credential (`db.password`)."""
    secret = False
    previous = ""
    for segment in key.split("."):
        words = [word.lower() for word in _WORD_BOUNDARY.split(segment) if word]
        if not words:
            continue
        if words[-1] in _BENIGN_WORDS or words[-1] in _SOURCE_SUFFIXES:
            secret = False
        elif any(_is_secret_word(word) for word in words) or any(
            pair in _SECRET_PAIRS for pair in pairwise([previous, *words])
        ):
            secret = True
        previous = words[-1]
    return secret


def _is_secret_word(word: str) -> bool:
    return word in _SECRET_WORDS or any(stem in word for stem in _SECRET_STEMS)
