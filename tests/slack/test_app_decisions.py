"""The listeners' pure decisions: what a failure tells the user, which deliveries are repeats,
which messages are Alertmanager's, which reactions are votes."""

from __future__ import annotations

import pytest

from aisher.errors import DataSourceUnavailable, InputError, UnknownServiceError, WindowError
from aisher.slack.app import delivery_key
from aisher.slack.commands import parse_command
from aisher.slack.event_listeners import is_alertmanager_post
from aisher.slack.failures import UNEXPECTED, describe_failure
from aisher.slack.votes import reaction_vote
from aisher.state.feedback import Vote

BOTS = frozenset({"B_AM", "A_AM"})


def failure_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_command(text)
    return describe_failure(caught.value)


class TestDescribeFailure:
    def test_parse_errors_say_what_to_type(self) -> None:
        """Each parse error is explained with the usage, the user's words escaped."""
        assert "I don't know `explode`" in failure_of("explode")
        assert "needs a service name" in failure_of("why")
        assert "`extra`" in failure_of("why a 30m extra")
        assert "not a window I can use" in failure_of("why a 30x")
        assert "is not a trace id" in failure_of("trace <!here>")
        assert "<!here>" not in failure_of("trace <!here>")

    def test_unknown_service_lists_suggestions(self) -> None:
        """An unknown service names the close matches."""
        text = describe_failure(UnknownServiceError("frontnd", ["frontend"], 5))
        assert "Did you mean `frontend`" in text

    def test_window_out_of_retention_gives_the_reason(self) -> None:
        """A window that parsed but cannot be used says why."""
        text = describe_failure(WindowError("at most 15d"), window="30d")
        assert "`30d`" in text
        assert "at most 15d" in text

    def test_our_failures_are_one_line_and_unexpected_ones_hide_details(self) -> None:
        """ClickHouse being down is named; an unexpected error shows no internals."""
        assert "ClickHouse is down" in describe_failure(DataSourceUnavailable("ClickHouse is down"))
        text = describe_failure(KeyError("secret internals"))
        assert UNEXPECTED in text
        assert "secret internals" not in text


class TestDeliveryKey:
    def test_events_are_keyed_by_event_id(self) -> None:
        """An event's retries share its event id."""
        body = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "message"}}
        assert delivery_key(body) == "slack:event:Ev1"

    def test_commands_and_clicks_are_keyed_by_trigger_id(self) -> None:
        """Slash commands and block actions carry a trigger id per invocation."""
        assert delivery_key({"command": "/aisher", "trigger_id": "1.2.x"}) == "slack:trigger:1.2.x"
        assert delivery_key({"type": "block_actions", "trigger_id": "9"}) == "slack:trigger:9"

    def test_anything_else_is_not_deduplicated(self) -> None:
        """A payload without either id always goes through."""
        assert delivery_key({"type": "view_closed"}) is None


class TestAlertmanagerPosts:
    @pytest.mark.parametrize(
        "event",
        [
            {"ts": "1.1", "bot_id": "B_AM", "subtype": "bot_message"},
            {"ts": "1.1", "bot_id": "B_X", "bot_profile": {"app_id": "A_AM"}},
            {"ts": "1.1", "bot_id": "B_AM", "thread_ts": "1.1"},
        ],
    )
    def test_posts_by_the_configured_bots_count(self, event: dict[str, object]) -> None:
        """A top-level post by a listed bot id or app id is an Alertmanager post."""
        assert is_alertmanager_post(event, BOTS)

    @pytest.mark.parametrize(
        "event",
        [
            {"ts": "1.1", "user": "U1"},
            {"ts": "1.1", "bot_id": "B_OTHER"},
            {"ts": "1.2", "bot_id": "B_AM", "thread_ts": "1.1"},
            {"ts": "1.1", "subtype": "message_changed", "bot_id": "B_AM"},
        ],
    )
    def test_other_messages_do_not(self, event: dict[str, object]) -> None:
        """People, other bots, thread replies and edits are not new alerts."""
        assert not is_alertmanager_post(event, BOTS)

    def test_listener_mode_is_off_without_bot_ids(self) -> None:
        """With no bot ids configured no message is an alert."""
        assert not is_alertmanager_post({"ts": "1.1", "bot_id": "B_AM"}, frozenset())


class TestReactionVote:
    @pytest.mark.parametrize(
        ("reaction", "vote"),
        [
            ("+1", Vote.UP),
            ("thumbsup", Vote.UP),
            ("+1::skin-tone-4", Vote.UP),
            ("-1", Vote.DOWN),
            ("thumbsdown", Vote.DOWN),
            ("eyes", None),
            ("repeat", None),
        ],
    )
    def test_thumbs_are_votes(self, reaction: str, vote: Vote | None) -> None:
        """Thumbs (any skin tone) vote; other reactions do not."""
        assert reaction_vote(reaction) is vote
