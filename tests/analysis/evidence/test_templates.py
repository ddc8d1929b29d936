"""Message normalisation keeps failure modes apart and folds volatile parts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisher.analysis.evidence.message_templates import (
    _VOLATILE_PARTS,
    _possible_parts,
    _volatile_pattern,
    _volatile_placeholder,
    normalize_message,
)


class TestNormalizeMessage:
    @pytest.mark.parametrize(
        ("message", "template"),
        [
            (
                "Payment failed for order 8812: card expired",
                "Payment failed for order <n>: card expired",
            ),
            ("user 3f2a9c1e-1111-4222-8333-444455556666 missing", "user <uuid> missing"),
            ("mail to bob@example.com bounced", "mail to <email> bounced"),
            (
                "connect to 10.0.3.7:5432 refused after 30000ms",
                "connect to <ip>:5432 refused after <n>ms",
            ),
            (
                "HTTP 503 Service Unavailable from api.stripe.com:443",
                "HTTP 503 Service Unavailable from api.stripe.com:443",
            ),
            ("object at 0x7f3a2b1c freed", "object at <hex> freed"),
            ("lookup of ord_8Hs7Kd21 failed", "lookup of <id> failed"),
            ('{"timestamp":"2026-11-26T11:02:03.123+00:00"}', '{"timestamp":"<time>"}'),
            (
                "read tcp <IP_27>:43970-><IP_28>:6379: i/o timeout",
                "read tcp <IP>:<n>-><IP>:6379: i/o timeout",
            ),
            ("token <SECRET_3> rejected", "token <SECRET> rejected"),
            ("call <PHONE_2> or wire to <IBAN_7>", "call <PHONE> or wire to <IBAN>"),
            ("request at 16:44:10.582 timed out", "request at <time> timed out"),
            ("connect to [fe80::1]:8443 refused", "connect to [<ip>]:8443 refused"),
            ("dial 2001:db8:85a3:0:0:8a2e:370:7334 failed", "dial <ip> failed"),
            ("nic aa:bb:cc:dd:ee:ff down", "nic aa:bb:cc:dd:ee:ff down"),
        ],
    )
    def test_volatile_parts_become_placeholders(self, message: str, template: str) -> None:
        """Ids, numbers, emails and IPs fold; status codes and ports stay."""
        assert normalize_message(message) == template

    def test_same_failure_with_different_ids_shares_a_template(self) -> None:
        """Two messages that differ only in an order id normalise to the same template."""
        assert normalize_message("order 1234 not found") == normalize_message("order 98 not found")

    def test_log_lines_differing_only_in_their_time_share_a_template(self) -> None:
        """A time of day is volatile as a whole, not an IPv6 address with a fraction left."""
        first = normalize_message("16:44:10.582 worker stalled")
        assert first == normalize_message("09:01:59.004 worker stalled")
        assert "." not in first

    def test_different_status_codes_stay_apart(self) -> None:
        """A 502 and a 503 are different failure modes."""
        assert normalize_message("upstream returned 502") != normalize_message(
            "upstream returned 503"
        )


# Characters that make or break the volatile parts: digits, hex letters, the separators of times,
# addresses and ids, and the masking placeholders' brackets.
VOLATILE_ALPHABET = "0123456789abcdefxABCDEFX:-.@<>_+ TZIP/"
EVERY_PART = tuple(name for name, _ in _VOLATILE_PARTS)


class TestPrunedAlternation:
    @given(
        st.lists(
            st.text(VOLATILE_ALPHABET, max_size=14)
            | st.sampled_from(["<IP_3>", "::1", "0x1f", "2026-11-26T11:02:03", "a@b.co"]),
            max_size=8,
        ).map(" ".join)
    )
    @settings(max_examples=1500, deadline=None, database=None)
    def test_leaving_out_parts_that_cannot_match_changes_nothing(self, text: str) -> None:
        """Only the volatile parts a text could hold are tried, and the text reads exactly as
        it would with all of them."""
        pruned = _volatile_pattern(_possible_parts(text))
        full = _volatile_pattern(EVERY_PART)
        assert pruned.sub(_volatile_placeholder, text) == full.sub(_volatile_placeholder, text)
