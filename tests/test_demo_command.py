"""What `aisher demo` says around the report in text mode."""

from __future__ import annotations

from pathlib import Path

from aisher.commands.demo import describe_bot


class TestDescribeBot:
    def test_says_how_to_ask_the_bot_the_same_question(self) -> None:
        """Three lines: the manifest, both tokens with `aisher serve` on the demo store, the
        command to type, and where the guide is."""
        text = describe_bot("frontend", 30, Path("/data/demo-store"))
        lines = text.strip().splitlines()
        assert len(lines) == 3
        assert "manifest.yml" in lines[0]
        assert lines[1] == (
            "SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… "
            "AISHER_CLICKHOUSE_DSN=chdb:///data/demo-store aisher serve"
        )
        assert "/aisher why frontend 30m" in lines[2]
        assert "docs/slack.md" in lines[2]
