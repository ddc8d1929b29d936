"""Statements of the ClickHouse HTTP emulator, run on the test session's chDB engine.

`tests.support.clickhouse_http` turns each request into a `Statement`; `run_statement` runs it
on a chDB connection handle of its own (in a worker thread), so `USE` and `SET` never leak into
other requests, and returns the `Answer` bytes in the format the statement asked for. chDB's
errors come back as `ClickHouseFailure`s carrying ClickHouse's code and message.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

import chdb

UNKNOWN_EXCEPTION = 1002
_TRAILING_FORMAT = re.compile(rb"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_INSERT_WITH_DATA = re.compile(
    rb"\A\s*(INSERT\s+INTO\s.*?)\bFORMAT\s+(\w+)[ \t]*(?:\r?\n)?", re.IGNORECASE | re.DOTALL
)
_RESULT_STATEMENT = re.compile(
    rb"\A[\s(]*(SELECT|WITH|SHOW|DESC|DESCRIBE|EXISTS|EXPLAIN|CHECK)\b", re.IGNORECASE
)
_ERROR_CODE = re.compile(r"Code:\s*(\d+)")


class ClickHouseFailure(Exception):
    """An error the emulator answers with, as ClickHouse words it."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def from_engine(cls, exc: BaseException) -> ClickHouseFailure:
        """chDB's exception text, from its `Code: N.` on."""
        text = str(exc).strip()
        start = text.find("Code: ")
        text = text[start:] if start >= 0 else f"Code: {UNKNOWN_EXCEPTION}. DB::Exception: {text}"
        match = _ERROR_CODE.search(text)
        return cls(int(match.group(1)) if match else UNKNOWN_EXCEPTION, text)


@dataclass(frozen=True, slots=True)
class Statement:
    """One request's statement: SQL (with an insert's data), parameters, settings, database."""

    sql: bytes
    params: dict[str, str]
    settings: dict[str, str]
    database: str | None
    default_format: str
    query_id: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What a statement produced, ready to send."""

    body: bytes
    output_format: str | None  # None for statements that produce no result set
    summary: dict[str, str] = field(default_factory=dict)


def open_anchor(path: str) -> tuple[Any, list[str]]:
    """A handle held for the emulator's life, so the engine stays up between requests, and the
    server facts the answers report: version, time zone, and whether HTTP compression is on."""
    anchor = chdb.connect(path)
    query = "SELECT version(), timezone(), toString(getSetting('enable_http_compression'))"
    text = anchor.query(query, "TabSeparated").bytes().decode()
    return anchor, text.rstrip("\n").split("\t")


def split_insert_data(sql: bytes) -> tuple[bytes | None, bytes]:
    """An `INSERT … FORMAT x` statement's data and the statement without it."""
    match = _INSERT_WITH_DATA.match(sql)
    if match is None:
        return None, sql
    return sql[match.end() :], match.group(0).rstrip()


def run_statement(path: str, statement: Statement) -> Answer:
    """Run one statement on a handle of its own (runs in a worker thread)."""
    connection = chdb.connect(path)
    try:
        if statement.database:
            _query(connection, f"USE {_quote_identifier(statement.database)}")
        for name, value in statement.settings.items():
            _query(connection, f"SET {name} = {_quote_string(value)}")
        match = _INSERT_WITH_DATA.match(statement.sql)
        if match is not None:
            return _run_insert(connection, statement, match)
        result = _query(
            connection, statement.sql, statement.default_format, params=statement.params
        )
        if _RESULT_STATEMENT.match(statement.sql) is None:
            output_format = None
        else:
            named = _TRAILING_FORMAT.search(statement.sql)
            output_format = named.group(1).decode() if named else statement.default_format
        return Answer(bytes(result.bytes() or b""), output_format, _summary(result, written=False))
    finally:
        connection.close()


def _run_insert(connection: Any, statement: Statement, match: re.Match[bytes]) -> Answer:
    head, input_format = match.group(1).decode().rstrip(), match.group(2).decode()
    with tempfile.NamedTemporaryFile(suffix=".data", delete=False) as handle:
        handle.write(statement.sql[match.end() :])
    try:
        result = _query(
            connection,
            f"{head} FROM INFILE {_quote_string(handle.name)} FORMAT {input_format}",
            params=statement.params,
        )
        return Answer(b"", None, _summary(result, written=True))
    finally:
        os.unlink(handle.name)


def _query(
    connection: Any,
    sql: str | bytes,
    fmt: str = "TabSeparated",
    params: dict[str, str] | None = None,
) -> Any:
    try:
        return connection.query(sql, fmt, params=params or {})
    except (chdb.ChdbError, RuntimeError) as exc:  # the connection API raises a RuntimeError
        raise ClickHouseFailure.from_engine(exc) from exc


def _summary(result: Any, *, written: bool) -> dict[str, str]:
    rows, size = str(_call(result, "rows_read")), str(_call(result, "bytes_read"))
    elapsed_ns = str(int(float(_call(result, "elapsed")) * 1e9))
    if written:
        return {"written_rows": rows, "written_bytes": size, "elapsed_ns": elapsed_ns}
    return {"read_rows": rows, "read_bytes": size, "elapsed_ns": elapsed_ns}


def _call(result: Any, name: str) -> Any:
    method = getattr(result, name, None)
    return method() if callable(method) else 0


def _quote_identifier(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def _quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
