"""Payment card numbers: digit runs of a card network's prefix and length that pass Luhn.

One random number in ten passes Luhn, so the run must also start with an issuer prefix of the
right length (Visa 4 and 13/16/19 digits, Amex 34/37 and 15, …), and a run labelled as an id
(`orderId=…`, `invoice 4024…`) is an id unless the label says card.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from itertools import accumulate

CARD_RUN = re.compile(r"\d(?<![\w.\-]\d)(?:[ \-]?\d){12,}(?!\w|\.\d)", re.ASCII)
UUID_SHAPE = re.compile(r"\d{8}-\d{4}-\d{4}-\d{4}-\d{12}")
_MIN_DIGITS, _MAX_DIGITS = 13, 19
_FIRST_DIGITS = frozenset("23456")

# (first digits from, to, lengths): the issuer ranges in use.
_ISSUERS: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (4, 4, (13, 16, 19)),  # Visa
    (51, 55, (16,)),  # Mastercard
    (2221, 2720, (16,)),
    (34, 34, (15,)),  # American Express
    (37, 37, (15,)),
    (6011, 6011, (16, 17, 18, 19)),  # Discover
    (644, 649, (16, 17, 18, 19)),
    (65, 65, (16, 17, 18, 19)),
    (3528, 3589, (16, 17, 18, 19)),  # JCB
    (300, 305, (14, 15, 16, 17, 18, 19)),  # Diners Club
    (36, 36, (14, 15, 16, 17, 18, 19)),
    (38, 39, (16, 17, 18, 19)),
    (62, 62, (16, 17, 18, 19)),  # UnionPay
    (2200, 2204, (16, 17, 18, 19)),  # Mir
    (50, 50, (13, 16, 19)),  # Maestro
    (56, 58, (13, 16, 19)),
    (63, 63, (13, 16, 19)),
    (67, 67, (13, 16, 19)),
)
# Per card length, the set of every issuer prefix (as text) a card of that length may start
# with: a set lookup per prefix width instead of arithmetic per range.
_PREFIXES: dict[int, frozenset[str]] = {
    length: frozenset(
        str(prefix)
        for low, high, lengths in _ISSUERS
        if length in lengths
        for prefix in range(low, high + 1)
    )
    for length in range(_MIN_DIGITS, _MAX_DIGITS + 1)
}
_ID_WORDS = (
    "id|ids|no|nr|num|number|ref|reference|order|invoice|txn|transaction|seq|sequence|offset"
    "|ts|timestamp|epoch|count|total|version|build"
)
# The one or two words right before a number, separated from it and from each other by at
# most three other characters: `order 4024…`, `invoice_no: 4024…`, `card number 4024…`.
_LABEL = re.compile(
    r"(?:(?P<previous>[A-Za-z_]{1,30})[\W_]{1,3})?(?P<word>[A-Za-z][A-Za-z_]{0,30})[\W_]{0,3}$"
)
# `order`, `order_id`, `orderId`, `invoice_no`; not `paid`.
_ID_WORD = re.compile(
    rf"(?:^|_)(?i:{_ID_WORDS})$|(?<=[a-z])(?:Id|ID|Ids|No|Nr|Num|Number|Ref|Seq)$"
)
_CARD_LABEL = re.compile(r"(?i)card|\bpan\b|\bcc|credit|debit|visa|mastercard|amex")


def is_card_number(digits: str) -> bool:
    """Whether a digit string has a card network's prefix and length and passes Luhn."""
    return _has_issuer(digits) and _is_luhn_valid(digits)


def _has_issuer(digits: str) -> bool:
    prefixes = _PREFIXES.get(len(digits))
    return prefixes is not None and (
        digits[:1] in prefixes
        or digits[:2] in prefixes
        or digits[:3] in prefixes
        or digits[:4] in prefixes
    )


def _is_luhn_valid(digits: str) -> bool:
    # Padded with zeros to whole groups of four counted from the right, every group doubles
    # its first and third digits: the sum is one table lookup per group.
    padded = digits if len(digits) % 4 == 0 else digits.zfill(-(-len(digits) // 4) * 4)
    sums = _group_sums()
    return sum(sums[padded[start : start + 4]] for start in range(0, len(padded), 4)) % 10 == 0


@cache
def _group_sums() -> dict[str, int]:
    """The Luhn sum of every four-digit group `abcd` at an even distance from the right."""
    doubled = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
    return {
        f"{a}{b}{c}{d}": doubled[a] + b + doubled[c] + d
        for a in range(10)
        for b in range(10)
        for c in range(10)
        for d in range(10)
    }


def card_end(groups: list[str], first: int) -> int | None:
    """End (exclusive) of the longest run of digit groups from `first` that is a card number.

    Cards are written undivided or in groups of four (`4539 5787 6362 1486`, Amex `3782
    822463 10005`): a run of other groups (`1 2 3 …`) is no card, and costs nothing to reject.
    Only a run whose length a card of its prefix may have is joined and checked: this runs once
    per digit group of every text, so it does the least it can.
    """
    digits = groups[first]
    if len(digits) >= _MIN_DIGITS:
        return first + 1 if len(digits) <= _MAX_DIGITS and is_card_number(digits) else None
    lengths = _lengths_by_prefix().get(digits) if len(digits) == 4 else None
    if not lengths:
        return None  # no network issues cards starting so
    best = None
    total = 4
    # While every group has four digits, the Luhn sum is the sum of the groups' own sums.
    sums = _group_sums()
    fours_sum: int | None = sums[digits]
    for index in range(first + 1, min(len(groups), first + 5)):
        group = groups[index]
        size = len(group)
        total += size
        if not 3 <= size <= 6 or total > _MAX_DIGITS:
            break
        fours_sum = fours_sum + sums[group] if fours_sum is not None and size == 4 else None
        if total not in lengths:
            continue
        if fours_sum is not None:
            valid = fours_sum % 10 == 0
        else:
            valid = _is_luhn_valid("".join(groups[first : index + 1]))
        if valid:
            best = index + 1
    return best


_GROUP_SEPARATOR = re.compile(r"[ \-]")


def find_cards(run: str, labelled_as_id_at: Callable[[int], bool]) -> list[tuple[int, int]]:
    """The spans of the card numbers in a `CARD_RUN`, left to right; `labelled_as_id_at` says
    whether the words before a number at an offset in the run call it an id.

    Any digit group may start a card, and a crafted text is thousands of groups. A group whose
    next four groups have four digits each can only start a 16-digit card, whose Luhn sum is
    the difference of two running sums; only the other groups are read one by one.
    """
    groups = _GROUP_SEPARATOR.split(run)  # the run's separators are single characters
    sizes = [len(group) for group in groups]
    starts = list(accumulate((size + 1 for size in sizes), initial=0))
    group_sums = _group_sums()
    sums = list(accumulate((group_sums.get(group, 0) for group in groups), initial=0))
    lengths_of = _lengths_by_prefix()
    count, found, index = len(groups), [], 0
    while index < count:
        size = sizes[index]
        end: int | None = None
        if size == 4:
            lengths = lengths_of.get(groups[index])
            following = sizes[index + 1 : index + 5]
            if lengths is None:
                pass  # no network issues cards starting so
            elif following.count(4) < len(following):
                end = card_end(groups, index)
            elif index + 4 <= count and 16 in lengths and (sums[index + 4] - sums[index]) % 10 == 0:
                end = index + 4
        elif size >= _MIN_DIGITS:
            end = card_end(groups, index)
            # An undivided number labelled as an id (`orderId=4024…`) is one; a number written
            # in groups (`4024 0071 …`) is written for a person to read, like a card.
            if end is not None and labelled_as_id_at(starts[index]):
                end = None
        if end is None:
            index += 1
            continue
        found.append((starts[index], starts[end] - 1))
        index = end
    return found


@cache
def _lengths_by_prefix() -> dict[str, frozenset[int]]:
    """For every four-digit group a card may start with, the lengths it may then have."""
    table: dict[str, set[int]] = {}
    for low, high, lengths in _ISSUERS:
        free = 4 - len(str(low))  # digits of the group after the issuer prefix
        for prefix in range(low, high + 1):
            for rest in range(10**free):
                group = f"{prefix}{rest:0{free}d}" if free else str(prefix)
                table.setdefault(group, set()).update(lengths)
    return {group: frozenset(lengths) for group, lengths in table.items()}


def labelled_as_id(text: str, start: int) -> bool:
    """Whether the words right before `start` call the number an id rather than a card.

    Only the adjacent words count, so a placeholder further back (`card <CARD_1> orderId=…`)
    cannot change the decision: masking masked text decides the same.
    """
    label = _LABEL.search(text, max(0, start - 72), start)
    if label is None or _ID_WORD.search(label["word"]) is None:
        return False
    return _CARD_LABEL.search(f"{label['previous'] or ''} {label['word']}") is None
