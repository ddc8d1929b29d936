"""Seeded personal data: emails, IP addresses, card numbers, home directories, phone numbers,
IBANs, US social security numbers and card security codes."""

from __future__ import annotations

import random
import string

from tests.support.secret_values import (
    FIRST_NAMES,
    LOWER_DIGITS,
    Generator,
    SeededSecret,
    luhn_complete,
    pick,
)


def _email(rng: random.Random, index: int) -> SeededSecret:
    local = f"{FIRST_NAMES[index % len(FIRST_NAMES)]}.{pick(rng, LOWER_DIGITS, 6)}"
    value = f"{local}@{('acme-corp.example', 'mail.example.org', 'shop.co.uk')[index % 3]}"
    snippet = (f"no account for {value}", f"send receipt to <{value}> failed", f"user={value}")[
        index % 3
    ]
    return SeededSecret("email", value, snippet, ("enduser.email", value), local)


def _ipv4(rng: random.Random, index: int) -> SeededSecret:
    value = (
        f"10.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
        f"172.{rng.randrange(16, 32)}.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
        f"192.168.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
        f"203.0.113.{rng.randrange(2, 255)}",
    )[index % 4]
    snippet = (
        f"connect to {value}:5432 refused",
        f"client {value} sent a malformed request",
        f"http://{value}:8080/healthz timed out",
    )[index % 3]
    return SeededSecret("ipv4", value, snippet, ("client.address", value), value)


def _ipv6(rng: random.Random, index: int) -> SeededSecret:
    groups = [f"{rng.randrange(1, 0xFFFF):x}" for _ in range(4)]
    value = (
        f"2001:db8:{groups[0]}:{groups[1]}::{groups[2]}",
        f"fd12:3456:{groups[0]}:1::{groups[3]}",
        f"2001:db8:{':'.join(groups)}:1:2",
        f"::ffff:10.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
    )[index % 4]
    snippet = (
        f"dial tcp [{value}]:443: connect: connection refused",
        f"peer {value} reset the stream",
    )[index % 2]
    return SeededSecret("ipv6", value, snippet, ("network.peer.address", value), value)


def _card(rng: random.Random, index: int) -> SeededSecret:
    prefix, length = (
        ("4", 16),
        ("51", 16),
        ("2221", 16),
        ("34", 15),
        ("6011", 16),
        (f"35{rng.randrange(28, 90)}", 16),
        ("62", 19),
        ("4", 13),
    )[index % 8]
    digits = luhn_complete(rng, prefix, length)
    if index % 3 == 1 and length == 16:
        value = " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    elif index % 3 == 2 and length == 16:
        value = "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    else:
        value = digits
    snippet = (f"card {value} declined", f"charge failed for PAN {value}: insufficient funds")[
        index % 2
    ]
    return SeededSecret("card", value, snippet, ("payment.card.number", value), digits)


def _home_user(rng: random.Random, index: int) -> SeededSecret:
    value = f"{FIRST_NAMES[index % len(FIRST_NAMES)]}{pick(rng, LOWER_DIGITS, 4)}"
    snippet = (
        f"/home/{value}/src/checkout/payments.py",
        f"/Users/{value}/work/payments/src/main.go",
        f"C:\\Users\\{value}\\AppData\\Local\\payments\\app.log",
    )[index % 3]
    return SeededSecret("home_user", value, snippet, ("code.filepath", snippet), value)


def _phone(rng: random.Random, index: int) -> SeededSecret:
    area, exchange = rng.randrange(201, 990), rng.randrange(200, 1000)
    line = pick(rng, string.digits, 4)
    digits = pick(rng, string.digits, 8)
    value = (
        f"+1 {area}-{exchange}-{line}",
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"+44 20 {digits[:4]} {digits[4:]}",
        f"+49 30 {digits}",
        f"+33 6 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}",
        f"+1{area}{exchange}{line}",
        f"+81 3-{digits[:4]}-{digits[4:]}",
    )[index % 8]
    snippet = (
        f"SMS to {value} failed: unreachable",
        f"callback number {value} is not verified",
        f"user profile update rejected: phone={value}",
    )[index % 3]
    core = "".join(c for c in value if c.isdigit())
    return SeededSecret("phone_number", value, snippet, ("enduser.phone", value), core)


# Country, letters then digits of the account part (BBAN), as the IBAN registry defines them.
_IBAN_FORMATS = (("DE", 0, 18), ("GB", 4, 14), ("FR", 0, 23), ("NL", 4, 10), ("ES", 0, 20),
                 ("IT", 1, 22), ("BE", 0, 12), ("PL", 0, 24))  # fmt: skip


def _iban(rng: random.Random, index: int) -> SeededSecret:
    country, letters, digits = _IBAN_FORMATS[index % len(_IBAN_FORMATS)]
    bban = pick(rng, string.ascii_uppercase, letters) + pick(rng, string.digits, digits)
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    compact = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    value = (
        compact if index % 2 else " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    )
    snippet = (
        f"SEPA payout to {value} rejected: account closed",
        f"iban={value}",
        f"refund to IBAN {value} queued for retry",
    )[index % 3]
    return SeededSecret("iban", value, snippet, ("payment.iban", value), compact[4:])


def _ssn(rng: random.Random, index: int) -> SeededSecret:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    value = f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"
    compact = value.replace("-", "")
    snippet = (
        f"SSN {value} already registered to another applicant",
        f"applicant ssn={compact} failed verification",
        f'{{"ssn": "{value}", "status": "rejected"}}',
        f"tax id {value} does not match the name on file",
    )[index % 4]
    return SeededSecret("us_ssn", value, snippet, ("enduser.ssn", value), compact)


def _cvv(rng: random.Random, index: int) -> SeededSecret:
    value = pick(rng, string.digits, 4 if index % 4 == 3 else 3)
    snippet = (
        f"card verification failed: cvv={value}",
        f'{{"number": "<CARD_1>", "cvc": "{value}"}}',
        f"card_cvv2: {value} mismatch",
        f"securityCode={value}&expiry=12/29",
    )[index % 4]
    return SeededSecret("cvv", value, snippet, ("payment.card.cvv", value), value)


GENERATORS: dict[str, Generator] = {
    "email": _email,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "card": _card,
    "home_user": _home_user,
}
MORE_GENERATORS: dict[str, Generator] = {
    "phone_number": _phone,
    "iban": _iban,
    "us_ssn": _ssn,
    "cvv": _cvv,
}
