"""`aisher eval`: root-cause accuracy over suites of labelled incidents.

read_suite(folder)                  the incidents: `incident.yaml` + OTLP/JSON, one folder each
SuiteRunner(settings).run(...)      each loaded into its own databases and analysed
render_table(result)                per incident, per kind, totals, misses explained
result.to_json()                    the same for CI
write_demo_suite(folder, ...)       the project's own generated scenarios as a suite

suite.py       reading and checking a suite
rebase.py      moving old incidents to recent days, since SigNoz drops expired rows
runner.py      loading and analysing, one incident after another
scoring.py     ranks, AC@1, AC@3, mean reciprocal rank
results.py     verdicts per incident and the suite's scores
table.py       the terminal table
demo_suite.py  aisher.demo's scenarios as suite folders
"""

from aisher.evaluation.demo_suite import write_demo_suite
from aisher.evaluation.results import IncidentResult, SuiteResult, Verdict
from aisher.evaluation.runner import SuiteRunner
from aisher.evaluation.scoring import Scores, rank_of, score
from aisher.evaluation.suite import LabelledIncident, SuiteError, read_suite
from aisher.evaluation.table import render_table

__all__ = [
    "IncidentResult",
    "LabelledIncident",
    "Scores",
    "SuiteError",
    "SuiteResult",
    "SuiteRunner",
    "Verdict",
    "rank_of",
    "read_suite",
    "render_table",
    "score",
    "write_demo_suite",
]
