"""The evaluation as a terminal table: per incident, per kind, totals, and every miss explained."""

from __future__ import annotations

from collections.abc import Sequence

from aisher.evaluation.results import HEURISTIC, LLM, IncidentResult, SuiteResult, Verdict
from aisher.evaluation.scoring import Scores

TOP_SUSPECTS = 3
MAX_CELL = 52


def render_table(result: SuiteResult) -> str:
    """Everything a person reading the run needs, as plain text."""
    analyzers = result.analyzers
    parts = [
        _headline(result),
        _incident_rows(result.results, analyzers),
        _kind_rows(result, analyzers),
    ]
    for analyzer in analyzers:
        misses = _misses(result.results, analyzer)
        if misses:
            parts.append(f"misses ({analyzer}):\n" + "\n".join(misses))
    if LLM in analyzers:
        parts.append(_llm_usage(result))
    return "\n\n".join(parts)


def _headline(result: SuiteResult) -> str:
    paths = "heuristic" + (f" and llm:{result.llm_model}" if result.llm_model else "")
    lines = [
        f"aisher eval: {len(result.results)} incidents from {result.suite} "
        f"in {result.seconds:.1f} s ({paths})"
    ]
    for analyzer in result.analyzers:
        lines.append(f"{analyzer:>9}: {_scores_text(result.scores(analyzer))}")
    return "\n".join(lines)


def _scores_text(scores: Scores) -> str:
    return f"AC@1 {scores.ac1:.3f}  AC@3 {scores.ac3:.3f}  MRR {scores.mrr:.3f}"


def _incident_rows(results: Sequence[IncidentResult], analyzers: Sequence[str]) -> str:
    header = ["incident", "asked", "root cause"]
    for analyzer in analyzers:
        header += [f"{analyzer} named", "rank"]
    rows = [header]
    for result in results:
        row = [result.incident.name, result.incident.service, ",".join(result.incident.root_cause)]
        for analyzer in analyzers:
            verdict = result.verdict(analyzer)
            row += _verdict_cells(verdict)
        rows.append(row)
    return _columns(rows)


def _verdict_cells(verdict: Verdict | None) -> list[str]:
    if verdict is None:
        return ["", ""]
    if verdict.error is not None:
        return ["(failed)", "-"]
    return [verdict.root_cause or "(nothing)", _rank_text(verdict.rank)]


def _rank_text(rank: int | None) -> str:
    return "miss" if rank is None else str(rank)


def _kind_rows(result: SuiteResult, analyzers: Sequence[str]) -> str:
    header = ["kind", "n"]
    for analyzer in analyzers:
        header += [f"{analyzer} AC@1", "AC@3", "MRR"]
    by_analyzer = {analyzer: result.scores_by_kind(analyzer) for analyzer in analyzers}
    rows = [header]
    for kind, scores in by_analyzer[HEURISTIC].items():
        row = [kind, str(scores.incidents)]
        for analyzer in analyzers:
            row += _score_cells(by_analyzer[analyzer].get(kind))
        rows.append(row)
    total = ["all", str(len(result.results))]
    for analyzer in analyzers:
        total += _score_cells(result.scores(analyzer))
    rows.append(total)
    return _columns(rows)


def _score_cells(scores: Scores | None) -> list[str]:
    if scores is None:
        return ["", "", ""]
    return [f"{scores.ac1:.2f}", f"{scores.ac3:.2f}", f"{scores.mrr:.2f}"]


def _misses(results: Sequence[IncidentResult], analyzer: str) -> list[str]:
    """One line per incident the analyzer did not name first, saying what it named instead."""
    lines = []
    for result in results:
        verdict = result.verdict(analyzer)
        if verdict is None or verdict.rank == 1:
            continue
        incident = result.incident
        truth = " or ".join(incident.root_cause)
        if verdict.error is not None:
            lines.append(f"  {incident.name}: the analysis failed: {verdict.error}")
            continue
        named = verdict.root_cause or "nothing"
        where = (
            f"{truth} ranked {verdict.rank}"
            if verdict.rank is not None
            else f"{truth} not among the {len(verdict.suspects)} candidates"
        )
        lines.append(
            f"  {incident.name} [{incident.kind}]: asked {incident.service}, named {named}"
            f"{' (' + verdict.operation + ')' if verdict.operation else ''}; {where}; "
            f"top suspects: {_suspects_text(verdict)}"
        )
        if result.load_problems:
            lines.append(f"    (telemetry skipped: {result.load_problems[0]})")
    return lines


def _suspects_text(verdict: Verdict) -> str:
    shown = [
        f"{s.service} {s.score:.2f}{' symptom' if s.symptom else ''}"
        + (f" ({s.kind})" if s.kind != "service" else "")
        for s in verdict.suspects[:TOP_SUSPECTS]
    ]
    return ", ".join(shown) or "none"


def _llm_usage(result: SuiteResult) -> str:
    usage = result.llm_usage()
    tokens = usage["tokens"]
    answered = usage["answered_by_llm"]
    asked = sum(r.llm is not None for r in result.results)
    return (
        f"llm {usage['model']}: {answered} of {asked} answers from the model "
        f"(the rest fell back to the heuristic); {tokens['prompt']:,} prompt + "
        f"{tokens['completion']:,} completion tokens, ${usage['cost_usd']:.4f}"
    )


def _columns(rows: Sequence[Sequence[str]]) -> str:
    """Rows as left-aligned columns; over-long cells are cut with an ellipsis."""
    cells = [[_cut(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def _cut(cell: str) -> str:
    return cell if len(cell) <= MAX_CELL else cell[: MAX_CELL - 1] + "…"
