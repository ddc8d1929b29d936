"""One user request through a running system, as the spans and log lines it leaves.

`request_trace.RequestTrace` plays a request through; everything else here serves it or
encodes what it leaves behind.

    request_trace.py    `RunningSystem` (topology, pods, fault, noise) and `RequestTrace`
    fleet.py            the pods each service runs on and which release serves when
    propagation.py      how a failure travels up: what each runtime answers its caller
    instrumentation.py  span names, scopes and attributes of each runtime's OpenTelemetry
    applogs.py          log lines as Spring, uvicorn, slog and pino write them
    drafts.py           spans and log lines while they are built (mutable)
    otlp_lines.py       drafts → OTLP/JSON lines, as the collector's file exporter writes
    records.py          drafts → the `aisher.telemetry` records the analysis reads
"""
