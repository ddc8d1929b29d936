"""Personal data: email and IP addresses, phone numbers, IBANs, US social security numbers and
the user name in a home-directory path.

Shapes alone would hide half the numbers of a log, so each finding is checked: IPv4 addresses
that read as four-part versions (`2.4.0.1`) stay, phone numbers need a `+` or the North
American shape, IBANs their country's length and check digits, SSNs a valid area and group.
"""

from __future__ import annotations

import ipaddress
import re
import string

from aisher.analysis.masking.rule import (
    DIGITS,
    EMAIL,
    HEX,
    IBAN,
    IP,
    PHONE,
    SSN,
    USER,
    Rule,
    Scan,
    capital_runs,
    extend_back,
    rule,
    text_scoped,
)

# --- email ---------------------------------------------------------------------------------

_LOCAL_PART = frozenset(string.ascii_letters + string.digits + "._%+-")
_DOMAIN = r"@(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w\-])"


def _locate_email(text: str, at: int, end: int) -> tuple[int, int] | None:
    start = extend_back(text, at, _LOCAL_PART, 64)
    # Not right after `://`: `postgres://app@db.internal` names a host, not a person.
    if start is None or start == at or text[max(0, start - 3) : start] == "://":
        return None
    return start, end


# --- IP addresses --------------------------------------------------------------------------

_OCTET = r"\d{1,3}"
# Spelled out: a leading literal `.` lets the engine skip ahead; a leading group does not.
# After the first dot, a look back for the first octet: one to three digits after nothing an
# address could continue from, so `1.1.1.1.1…` is refused in C, not dot by dot in Python.
_IPV4_FIRST_DOT = "(?:{})".format("|".join(rf"(?<=(?<![\w.])\d{{{n}}}\.)" for n in (1, 2, 3)))
_IPV4_DOTS = rf"\.(?=\d){_IPV4_FIRST_DOT}{_OCTET}\.{_OCTET}\.{_OCTET}(?!\w|\.\w)"
_BEFORE_IPV4 = frozenset(string.ascii_letters + string.digits + "_.")
_VERSION_BEFORE = re.compile(r"(?i)\bver(?:sion)?[\s:=\"']*$")
_VERSION_OCTET = 31


def _locate_ipv4(text: str, dot: int, end: int) -> tuple[int, int] | None:
    start = extend_back(text, dot, DIGITS, 3)
    if start is None or start == dot or (start > 0 and text[start - 1] in _BEFORE_IPV4):
        return None
    if not _is_identifying_ipv4(text[start:end]):
        return None
    before = text[max(0, start - 12) : start]
    if ("v" in before or "V" in before) and _VERSION_BEFORE.search(before):
        return None
    return start, end


@text_scoped(maxsize=1024)  # an address recurs through a text
def _is_identifying_ipv4(value: str) -> bool:
    octets = [int(octet) for octet in value.split(".")]
    if any(octet > 255 for octet in octets):
        return False
    if value.startswith("127.") or value == "0.0.0.0":  # noqa: S104 - not a bind address here
        return False  # loopback and "any" identify no one and explain many misconfigurations
    return not _is_version(octets)


def _is_version(octets: list[int]) -> bool:
    """`2.4.0.1`, `1.1.1.23`: a public address of small numbers only is a version far more
    often than a host (and `1.1.1.1`-style resolvers identify no one)."""
    first, second = octets[0], octets[1]
    private = (
        first == 10
        or (first == 100 and 64 <= second <= 127)
        or (first == 169 and second == 254)
        or (first == 172 and 16 <= second <= 31)
        or (first == 192 and second == 168)
    )
    return not private and all(octet <= _VERSION_OCTET for octet in octets)


# Atomic: a run of colons is read once, not once per way to split it into groups. A real
# address holds a digit (`dead::beef` is C++ or Perl): one just before the first colon, or
# one ahead, checked in C before anything else.
_IPV6_DIGIT = (
    r"(?:(?<=\d:)|(?<=\d[0-9A-Fa-f]:)|(?<=\d[0-9A-Fa-f]{2}:)|(?<=\d[0-9A-Fa-f]{3}:)"
    r"|(?=[A-Fa-f:.%]{0,20}+\d))"
)
# The first colon of an address: at most four hex digits before it and, before those, nothing
# an address could continue from. One fixed-width look back per count of digits, so in
# `:1:1:1…` or a run of colons each colon is refused in a few steps, not read onwards.
_IPV6_FIRST_COLON = "(?:{})".format(
    "|".join(rf"(?<=(?<![\w:.])[0-9A-Fa-f]{{{digits}}}:)" for digits in range(5))
)
_IPV6_COLONS = (
    rf":{_IPV6_FIRST_COLON}{_IPV6_DIGIT}(?>(?:[0-9A-Fa-f]{{0,4}}:){{1,6}}(?:{_OCTET}(?:\.{_OCTET}){{3}}|[0-9A-Fa-f]{{1,4}})?"
    r"(?:%[\w.\-]{1,32})?)(?![\w:]|\.\w)"
)
_BEFORE_IPV6 = frozenset(string.ascii_letters + string.digits + "_:.")


def _locate_ipv6(text: str, colon: int, end: int) -> tuple[int, int] | None:
    start = extend_back(text, colon, HEX, 4)
    if start is None or (start > 0 and text[start - 1] in _BEFORE_IPV6):
        return None
    return (start, end) if _is_identifying_ipv6(text[start:end]) else None


@text_scoped(maxsize=1024)  # an address recurs through a text; parsing one costs microseconds
def _is_identifying_ipv6(value: str) -> bool:
    # `dead::beef` could be C++ or Perl; a real address almost always holds a digit.
    if not any(c.isdigit() for c in value):
        return False
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


# --- phone numbers -------------------------------------------------------------------------

# `+44 20 7946 0958`, `+1 (415) 555-0132`, `+4915112345678`: groups need a separator, so the
# engine never tries the many ways to split a run of digits.
_INTERNATIONAL = (
    r"\+(?<![\w+]\+)(?=(?:[ .\-()]{0,2}\d){8})"  # eight digits ahead, checked in C
    r"[1-9]\d{0,14}(?:[ .\-](?:\(\d{1,5}\)|\d{1,8})){0,6}(?![\w+]|[.\-]\d)"
)
# North American numbers (`415-555-0132`, `(415) 555-0132`, `415.555.0132`), found by their
# last four digits after a literal `-` or `.`; area and exchange codes start with 2-9.
_NANP_TAIL = r"(?![\w]|[.\-]\d)"
_NANP_HEAD = re.compile(r"(?:\([2-9]\d\d\) ?|[2-9]\d\d[\-.])[2-9]\d\d$")
_BEFORE_NANP = frozenset(string.ascii_letters + string.digits + "_.-+(")
# A digit before the parenthesis ends another number: `(415) 555-0132(415) 555-0199` is two,
# and refusing the second until the first is hidden would take a pass per number.
_BEFORE_PARENTHESIS = _BEFORE_NANP - frozenset(string.digits)


def _locate_nanp(text: str, start: int, end: int) -> tuple[int, int] | None:
    head = _NANP_HEAD.search(text, max(0, start - 10), start)
    if head is None:
        return None
    begin = head.start()
    if text[begin] != "(" and text[begin + 3] != text[start]:
        return None  # `415-555.0132` mixes separators
    refused = _BEFORE_PARENTHESIS if text[begin] == "(" else _BEFORE_NANP
    return None if begin > 0 and text[begin - 1] in refused else (begin, end)


_PHONE_DIGITS = (8, 15)
_DATE = re.compile(r"\+?\d{4}-\d{2}-\d{2}")


def _is_phone(match: re.Match[str]) -> bool:
    value = match[0]
    digits = sum(c.isdigit() for c in value)
    return _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1] and not _DATE.match(value)


# --- IBAN and US social security numbers ---------------------------------------------------

# Length per country (ISO 13616 registry), so that only real IBANs are hidden.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
# Written compact (one run of capitals and digits) or in groups of four after the check digits.
_IBAN_SPACED_ANCHOR = re.compile(r" (?<=[A-Z]{2}\d\d )[A-Z0-9]{4} [A-Z0-9]{4}")
_IBAN_GROUPS = re.compile(r"(?: [A-Z0-9]{4}){1,7}(?: [A-Z0-9]{1,4})?(?![A-Za-z0-9])")
_IBAN_START = re.compile(r"[A-Z]{2}\d\d[A-Z0-9]{11,30}")


def _compact_iban_runs(text: str) -> list[tuple[int, int]]:
    return [(start, end) for start, end in capital_runs(text, 15) if end - start <= 34]


def _locate_compact_iban(text: str, start: int, end: int) -> tuple[int, int] | None:
    found = _IBAN_START.fullmatch(text, start, end)
    return (start, end) if found and _is_iban(found[0]) else None


def _locate_spaced_iban(text: str, start: int, end: int) -> tuple[int, int] | None:
    begin = start - 4
    if begin > 0 and text[begin - 1].isalnum():
        return None
    groups = _IBAN_GROUPS.match(text, start, start + 40)
    if groups is None:
        return None
    return (begin, groups.end()) if _is_iban(text[begin : groups.end()]) else None


def _is_iban(value: str) -> bool:
    compact = value.replace(" ", "")
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


# Found by their last two groups (`-45-6789`): a leading dash is a literal the engine skips to.
_SSN_TAIL = r"-\d\d-\d{4}(?![\w]|-\d)"
_BEFORE_SSN = frozenset(string.ascii_letters + string.digits + "_-.")


def _locate_ssn(text: str, start: int, end: int) -> tuple[int, int] | None:
    begin = start - 3
    if (
        begin < 0
        or not text[begin:start].isdigit()
        or (begin > 0 and text[begin - 1] in _BEFORE_SSN)
    ):
        return None
    area, group, serial = text[begin:start], text[start + 1 : start + 3], text[start + 4 : end]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return None
    return begin, end


# --- home directories ----------------------------------------------------------------------

_HTTP_METHOD_BEFORE = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+$")
_HOME_USER = r"(?P<value>[^/\\\s:\"'<>|*?]{1,128})"
_HOME = rf"/(?:home|Users)/{_HOME_USER}"
_WINDOWS_HOME = rf":(?<=\b[A-Za-z]:)(?:\\{{1,2}}|/)(?i:users)(?:\\{{1,2}}|/){_HOME_USER}"
_PATH_BREAK = re.compile(r"[\s\"'<>]")


def _is_home_path(match: re.Match[str]) -> bool:
    # `GET /home/dashboard` and `https://host/home/x` are routes, not directories.
    before = match.string[max(0, match.start() - 200) : match.start()]
    token = _PATH_BREAK.split(before)[-1]
    return "://" not in token and not _HTTP_METHOD_BEFORE.search(before[-12:])


EMAIL_RULE = Scan("email", EMAIL, re.compile(_DOMAIN, re.ASCII), _locate_email)
RULES: tuple[Rule | Scan, ...] = (
    rule("home_dir", USER, _HOME, accept=_is_home_path),
    rule("home_dir", USER, _WINDOWS_HOME, ("users",), _is_home_path),
    Scan("ipv6", IP, re.compile(_IPV6_COLONS, re.ASCII), _locate_ipv6),
    Scan("ipv4", IP, re.compile(_IPV4_DOTS, re.ASCII), _locate_ipv4),
    Scan("iban", IBAN, _compact_iban_runs, _locate_compact_iban),
    Scan("iban", IBAN, _IBAN_SPACED_ANCHOR, _locate_spaced_iban),
    rule("phone", PHONE, _INTERNATIONAL, accept=_is_phone),
    Scan("phone", PHONE, re.compile(rf"-\d{{4}}{_NANP_TAIL}", re.ASCII), _locate_nanp),
    Scan("phone", PHONE, re.compile(rf"\.\d{{4}}{_NANP_TAIL}", re.ASCII), _locate_nanp),
    Scan("ssn", SSN, re.compile(_SSN_TAIL, re.ASCII), _locate_ssn),
)
