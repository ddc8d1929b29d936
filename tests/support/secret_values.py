"""What a seeded secret is, and the random parts the generators of `secret_kinds_*` build from.

Generators are `(rng, index) -> SeededSecret`; `index` picks the variant (prefix, format,
context), so a dozen secrets of one kind cover its shapes.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
LOWER_DIGITS = string.ascii_lowercase + string.digits
LOWER_HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"
B64 = ALNUM + "+/"
# Characters real passwords use that stay unambiguous in URLs and connection strings.
PASSWORD = ALNUM + "!*~._-$^"
FIRST_NAMES = ("maria", "wei", "olu", "priya", "jonas", "aiko", "diego", "fatima", "noah")


@dataclass(frozen=True, slots=True)
class SeededSecret:
    """One fake secret: its kind, its value, and how it shows up in telemetry.

    `snippet` is the secret in its usual textual context (`postgres://app:VALUE@db…`);
    `attribute` the (key, value) pair a span would carry it in; `core` its random part, whose
    fragments count as a leak (a vendor prefix like `sk-proj-` alone does not).
    """

    kind: str
    value: str
    snippet: str = ""
    attribute: tuple[str, str] = ("", "")
    core: str = ""

    @property
    def text(self) -> str:
        return self.snippet or self.value


Generator = Callable[[random.Random, int], SeededSecret]


def pick(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def mixed(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    """Random characters with at least one digit, upper- and lower-case letter, as keys have."""
    chars = list(pick(rng, alphabet, length - 3))
    for required in (string.digits, string.ascii_uppercase, string.ascii_lowercase):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(required))
    return "".join(chars)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + pick(rng, string.digits, length - len(prefix) - 1)
    total = 0
    for position, char in enumerate(reversed(body)):
        number = int(char)
        if position % 2 == 0:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return body + str((10 - total % 10) % 10)


def vendor(
    kind: str, prefixes: tuple[str, ...], length: int, alphabet: str = ALNUM, key: str = ""
) -> Generator:
    """A vendor token: a published prefix and a random body, in a client library's message."""
    templates = (
        "Incorrect API key provided: {}.",
        "upstream rejected credentials {} (HTTP 401)",
        "retrying with {} after 403",
    )

    def generate(rng: random.Random, index: int) -> SeededSecret:
        core = mixed(rng, length, alphabet)
        value = prefixes[index % len(prefixes)] + core
        snippet = templates[index % len(templates)].format(value)
        attribute_key = key or f"{kind.partition('_')[0]}.api_key"
        return SeededSecret(kind, value, snippet, (attribute_key, value), core)

    return generate
