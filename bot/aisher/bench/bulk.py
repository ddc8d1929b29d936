"""Generate millions of SigNoz spans inside the engine itself, for the query benchmark.

Python would spend minutes building a million rows; `INSERT … SELECT … FROM numbers(N)` builds
them in seconds. The traffic is a 10-span checkout topology spread over two hours: a steady
background error in `search`, and in the last 30 minutes `payment` failing 15% of charges, the
error propagating to `checkout` and `frontend` and landing in the exception index.
"""

from __future__ import annotations

from aisher.signoz.ddl import check_identifier
from aisher.signoz.executor import QueryExecutor

SPANS_PER_TRACE = 10
SERVICES = (
    "frontend", "checkout", "payment", "inventory", "shipping",
    "cart", "search", "auth", "recommendation", "ads",
)  # fmt: skip
# Parent index of each span position: a realistic fan-out under frontend and checkout.
PARENTS = (-1, 0, 1, 1, 1, 0, 0, 0, 6, 0)
OPERATIONS = (
    "GET /checkout", "POST /checkout", "POST /charge", "GET /stock", "POST /quote",
    "GET /cart", "GET /search", "POST /token", "GET /recs", "GET /ads",
)  # fmt: skip
SPAN_HOURS = 2
FAULT_MINUTES = 30
TARGET_SERVICE = "frontend"


def _array(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


def bulk_spans_sql(traces_db: str, spans: int, now_s: int) -> str:
    """The INSERT that writes `spans` spans ending at `now_s` (epoch seconds)."""
    db = check_identifier(traces_db)
    traces = max(1, spans // SPANS_PER_TRACE)
    start_s = now_s - SPAN_HOURS * 3600
    fault_s = now_s - FAULT_MINUTES * 60
    return f"""
INSERT INTO {db}.signoz_index_v3 (
  ts_bucket_start, resource_fingerprint, timestamp, trace_id, span_id, trace_state,
  parent_span_id, flags, name, kind, kind_string, duration_nano, status_code, status_message,
  status_code_string, attributes_string, attributes_number, attributes_bool, resources_string,
  events, links, response_status_code, external_http_url, http_url, external_http_method,
  http_method, http_host, db_name, db_operation, has_error, is_remote)
SELECT
  intDiv(start_ns, 1000000000 * 1800) * 1800,
  concat('service.name=', service, ';hash=', toString(cityHash64(service))),
  fromUnixTimestamp64Nano(toInt64(start_ns)),
  lower(hex(MD5(toString(trace)))),
  substring(lower(hex(MD5(concat(toString(trace), '-', toString(pos))))), 1, 16),
  '',
  if(parent < 0, '',
     substring(lower(hex(MD5(concat(toString(trace), '-', toString(parent))))), 1, 16)),
  0, operation, 2, 'Server', duration, if(failed, 2, 0),
  if(failed, if(service = 'search', 'index shard unavailable', 'charge failed'), ''),
  if(failed, 'Error', 'Unset'),
  map('http.route', operation), map('http.response.status_code', if(failed, 500., 200.)),
  map(), map('service.name', service, 'service.version', '1.0.0'),
  [], '[]', if(failed, '500', '200'), '', '', '', 'GET', service, '', '', failed, 'no'
FROM (
  SELECT
    intDiv(number, {SPANS_PER_TRACE}) AS trace,
    number % {SPANS_PER_TRACE} AS pos,
    {_array(SERVICES)}[pos + 1] AS service,
    {_array(OPERATIONS)}[pos + 1] AS operation,
    [{", ".join(str(p) for p in PARENTS)}][pos + 1] AS parent,
    toUInt64({start_s}) * 1000000000
      + intDiv(trace * {SPAN_HOURS * 3600} * 1000000000, {traces}) + pos * 1000000 AS start_ns,
    (start_ns >= toUInt64({fault_s}) * 1000000000) AND (cityHash64(trace) % 100 < 15) AS faulty,
    (cityHash64(trace, 7) % 100 < 2) AS noisy,
    (pos IN (0, 1, 2) AND faulty) OR (pos IN (0, 6) AND noisy) AS failed,
    toUInt64(1000000 + cityHash64(trace, pos) % 50000000) AS duration
  FROM numbers({spans})
)"""


def bulk_errors_sql(traces_db: str) -> str:
    """One exception row per failing payment span, as the exporter would write it."""
    db = check_identifier(traces_db)
    return f"""
INSERT INTO {db}.signoz_error_index_v2 (timestamp, errorID, groupID, traceID, spanID,
  serviceName, exceptionType, exceptionMessage, exceptionStacktrace, exceptionEscaped,
  resourceTagsMap)
SELECT timestamp + toIntervalMillisecond(3), lower(hex(MD5(concat(span_id, 'e')))),
  lower(hex(MD5('paymentKeyErrorcurrency'))), trace_id, span_id, 'payment', 'KeyError',
  '''currency''',
  concat('Traceback (most recent call last):\\n  File "/srv/app.py", line 41, in charge\\n',
         '    body[''currency'']\\nKeyError: ''currency'''),
  true, resources_string
FROM {db}.signoz_index_v3 WHERE `resource_string_service$$name` = 'payment' AND has_error"""


async def generate_spans(executor: QueryExecutor, traces_db: str, spans: int, now_s: int) -> None:
    await executor.command(bulk_spans_sql(traces_db, spans, now_s))
    await executor.command(bulk_errors_sql(traces_db))
