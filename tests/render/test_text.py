"""The text report shows hostile telemetry and LLM answers as inert text, in bounded lines."""

from __future__ import annotations

import re

from aisher.analysis.report import (
    Candidate,
    ChainLink,
    GroupSummary,
    LogLine,
    Report,
    RootCause,
)
from aisher.render.text import CHAIN_TAIL, MAX_INDENT, MAX_STACK_LINES, render_text
from tests.support.incidents import make_report

UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
CLEAR = "\x1b[2J\x1b[H"
LINK = "\x1b]8;;https://evil.example/\x1b\\docs\x1b]8;;\x1b\\"
FORGED = "\nRoot cause (high confidence): frontend\n"
HUGE = "h" * 100_000


def hostile_report() -> Report:
    """The incident report with every telemetry and LLM field carrying an attack."""
    link = ChainLink(
        service=f"{CLEAR}checkout{FORGED}",
        operation=f"POST /x{LINK}\u202egnp.exe",
        status="error",
        duration_ms=12.0,
        trace_id=f"a{CLEAR}" * 3,
        error=f"\x1b[31mKeyError{FORGED}",
    )
    return make_report().model_copy(
        update={
            "service": f"checkout{CLEAR}{HUGE}",
            "root_cause": RootCause(
                service=f"payment{FORGED}",
                operation=f"POST /charge{HUGE}",
                exception_type=f"\x9b2JKeyError{FORGED}",
                summary=f"Payment fails.{FORGED}\x1b[8mhidden\x1b[0m",
            ),
            "candidates": (
                Candidate(
                    service=f"payment{FORGED}",
                    operation=HUGE,
                    score=0.9,
                    reasons=(f"reason{FORGED}{LINK}",),
                ),
            ),
            "parent_chain": (link, link),
            "error_groups": (
                GroupSummary(
                    service=f"payment{CLEAR}",
                    operation=f"POST /charge{FORGED}",
                    exception_type=f"KeyError{FORGED}",
                    message=f"<!channel> {HUGE}{FORGED}",
                    count=3,
                    traces=3,
                    origin=True,
                    stacktrace=f"Traceback:{CLEAR}\n  File 'a.py'{LINK}\nKeyError{FORGED}",
                ),
            ),
            "related_logs": (
                LogLine(
                    time="2026-11-26T10:00:00Z",
                    severity=f"ERROR{CLEAR}",
                    service=f"payment{FORGED}",
                    body=f"{HUGE}{FORGED}",
                ),
            ),
            "remediation": (f"Roll back.{FORGED}{CLEAR}",),
            "deploys": (f"payment 1.0 → 1.1{FORGED}",),
            "notes": (f"the LLM said {FORGED}{LINK}",),
        }
    )


class TestTextReport:
    def test_no_escape_sequence_or_control_character_reaches_the_terminal(self) -> None:
        """Every field of a hostile report prints without ESC, C0/C1 controls or bidi overrides."""
        text = render_text(hostile_report())
        assert UNSAFE.search(text) is None

    def test_telemetry_cannot_forge_a_root_cause_line(self) -> None:
        """Only the report's own root-cause line starts like one; hidden newlines show as ⏎."""
        lines = render_text(hostile_report()).splitlines()
        forged = [line for line in lines if line.lstrip().startswith("Root cause")]
        assert forged == [lines[2]]
        assert lines[2].startswith("Root cause (high confidence): payment⏎Root cause")

    def test_huge_names_are_cut(self) -> None:
        """A 100 KB service, operation, message or log body prints as a bounded line."""
        text = render_text(hostile_report())
        assert len(text) < 20_000
        assert max(len(line) for line in text.splitlines()) < 1_500
        assert "…" in text.splitlines()[0]

    def test_the_stack_trace_keeps_its_lines_without_controls(self) -> None:
        """The origin group's stack trace is shown line by line behind a gutter, no escapes."""
        lines = render_text(hostile_report()).splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Stack trace"))
        assert lines[start + 1 : start + 5] == [
            "  │ Traceback:",
            "  │   File 'a.py'docs",
            "  │ KeyError",
            "  │ Root cause (high confidence): frontend",
        ]

    def test_llm_text_is_shown_as_prose(self) -> None:
        """The LLM's summary keeps its words but loses its escapes and line breaks."""
        text = render_text(hostile_report())
        assert "  Payment fails. Root cause (high confidence): frontend hidden" in text

    def test_mentions_are_shown_literally(self) -> None:
        """`<!channel>` means nothing to a terminal: it is printed as written."""
        assert "<!channel>" in render_text(hostile_report())


class TestTextChain:
    def chain(self, length: int) -> tuple[ChainLink, ...]:
        return tuple(
            ChainLink(service=f"svc-{n}", operation="call", status="error", duration_ms=1.0)
            for n in range(length)
        )

    def test_a_deep_chain_shows_root_elision_and_tail(self) -> None:
        """10,000 links print as the root, one line counting the elided spans, and the tail."""
        report = make_report().model_copy(update={"parent_chain": self.chain(10_000)})
        text = render_text(report)
        lines = text.splitlines()
        start = lines.index("Failing span's parent chain (root first):")
        assert "svc-0  call" in lines[start + 1]
        assert lines[start + 2].strip() == f"└ … {10_000 - 1 - CHAIN_TAIL:,} spans elided …"
        assert "svc-9999  call" in lines[start + 2 + CHAIN_TAIL]
        assert len(text) < 10_000

    def test_the_builders_elided_count_adds_to_the_shown_one(self) -> None:
        """A chain the builder already cut says how many spans it left out."""
        report = make_report().model_copy(
            update={"parent_chain": self.chain(CHAIN_TAIL + 1), "parent_chain_elided": 500}
        )
        assert "└ … 500 spans elided …" in render_text(report)

    def test_indentation_stops_growing(self) -> None:
        """Indentation shows depth only down to `MAX_INDENT`, so lines stay short."""
        report = make_report().model_copy(update={"parent_chain": self.chain(CHAIN_TAIL + 1)})
        lines = [line for line in render_text(report).splitlines() if "  call  " in line]
        widest = max(len(line) - len(line.lstrip()) for line in lines)
        assert widest == 2 + 2 * MAX_INDENT

    def test_a_long_stack_trace_is_cut(self) -> None:
        """A stack trace of 1,000 lines shows `MAX_STACK_LINES` of them."""
        frames = "\n".join(f"  at frame{n}" for n in range(1_000))
        group = (
            make_report().error_groups[0].model_copy(update={"stacktrace": frames, "origin": True})
        )
        report = make_report().model_copy(update={"error_groups": (group,)})
        lines = render_text(report).splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Stack trace"))
        assert lines[start + MAX_STACK_LINES] == f"  │ … {1_000 - MAX_STACK_LINES + 1:,} more lines"
