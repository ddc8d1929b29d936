"""KSUIDs for log rows: fixed width, time first, sortable."""

from __future__ import annotations

import pytest

from aisher.signoz.ksuid import KSUID_LENGTH, ksuid_seconds, new_ksuid


class TestNewKsuid:
    def test_reference_example_decodes_to_its_time(self) -> None:
        """The reference's log id decodes to the second it was made for."""
        assert ksuid_seconds("2xT4EfWmPkBE836sW1UeRxDiRua") == 1_747_948_619

    def test_extremes_match_the_ksuid_format(self) -> None:
        """The smallest and largest KSUIDs have the canonical base62 spellings."""
        assert new_ksuid(1_400_000_000 * 10**9, bytes(16)) == "0" * KSUID_LENGTH
        assert new_ksuid(10**30, b"\xff" * 16) == "aWgEPTl1tmebfsQzFP4bxwgy80V"

    def test_later_seconds_sort_later(self) -> None:
        """Ids of later seconds sort after earlier ones whatever their random part."""
        early = new_ksuid(1_747_948_619 * 10**9, b"\xff" * 16)
        late = new_ksuid(1_747_948_620 * 10**9, bytes(16))
        assert early < late
        assert len(early) == len(late) == KSUID_LENGTH

    def test_payload_must_be_sixteen_bytes(self) -> None:
        """A payload of the wrong size is refused."""
        with pytest.raises(ValueError, match="16 bytes"):
            new_ksuid(0, b"short")
