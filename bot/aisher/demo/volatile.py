"""Volatile message parts: the ids, addresses and durations that make each error message unique.

Real exception messages embed request-specific values (`order ORD-2024-88213`, `10.42.3.17:9090`,
`after 30000ms`), which is what message normalisation in the analysis has to undo. Templates
name these parts as `{uuid}`, `{order}`, `{ip}` … and `fill` draws a fresh value for each one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_FIRST = ("jane", "omar", "li", "ana", "kofi", "mia", "arjun", "sven", "noor", "luca")
_LAST = ("doe", "haddad", "wei", "silva", "mensah", "novak", "patel", "berg", "aziz", "rossi")
_DOMAINS = ("example.com", "mail.example.org", "corp.example.net")
_CURRENCIES = ("EUR", "USD", "GBP", "SEK", "PLN")
_CITIES = ("Berlin", "Lisbon", "Austin", "Nairobi", "Osaka", "Lyon")


def _uuid(rng: random.Random) -> str:
    value = f"{rng.getrandbits(128):032x}"
    return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:]}"


def _email(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}{rng.randint(1, 99)}@{rng.choice(_DOMAINS)}"


_GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "uuid": _uuid,
    "hex8": lambda rng: f"{rng.getrandbits(32):08x}",
    "hex16": lambda rng: f"{rng.getrandbits(64):016x}",
    "order": lambda rng: f"ORD-{rng.randint(2023, 2025)}-{rng.randint(10000, 999999)}",
    "account": lambda rng: f"ACC-{rng.randint(10_000_000, 99_999_999)}",
    "ride": lambda rng: f"ride_{rng.getrandbits(48):012x}",
    "driver": lambda rng: f"drv-{rng.randint(100000, 999999)}",
    "title": lambda rng: f"tt{rng.randint(1_000_000, 9_999_999)}",
    "sku": lambda rng: f"SKU-{rng.randint(10000, 99999)}",
    "user": lambda rng: str(rng.randint(1000, 9_999_999)),
    "card": lambda rng: f"card_{rng.getrandbits(40):010x}",
    "request": lambda rng: f"req_{rng.getrandbits(64):016x}",
    "ip": lambda rng: f"10.{rng.randint(40, 47)}.{rng.randint(0, 15)}.{rng.randint(2, 254)}",
    "port": lambda rng: str(rng.randint(32768, 60999)),
    "ms": lambda rng: str(rng.randint(3, 2900)),
    "seconds": lambda rng: f"{rng.uniform(0.8, 9.5):.3f}",
    "nanos": lambda rng: str(rng.randint(1000, 900_000)),
    "count": lambda rng: str(rng.randint(2, 60)),
    "amount": lambda rng: f"{rng.uniform(3, 900):.2f}",
    "currency": lambda rng: rng.choice(_CURRENCIES),
    "email": _email,
    "city": lambda rng: rng.choice(_CITIES),
    "goroutine": lambda rng: str(rng.randint(120, 98000)),
    "ptr": lambda rng: f"0xc000{rng.getrandbits(24):06x}",
    "pc": lambda rng: f"0x{rng.randint(0x400000, 0x1FFFFFF):x}",
    "version_n": lambda rng: str(rng.randint(3, 90)),
    "waiting": lambda rng: str(rng.randint(3, 140)),
}


def volatile(name: str, rng: random.Random) -> str:
    """One fresh value of the named kind (`uuid`, `ip`, `order`, …)."""
    return _GENERATORS[name](rng)


def fill(template: str, rng: random.Random, **fixed: str) -> str:
    """Replace each `{name}` in `template`: by `fixed[name]` if given, else by a fresh value.

    Braces that name no known kind (JSON bodies, Spring routes) are left as they are.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in fixed:
            return fixed[name]
        generator = _GENERATORS.get(name)
        return generator(rng) if generator else match.group(0)

    return _PLACEHOLDER.sub(replace, template)
