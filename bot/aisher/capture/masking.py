"""Masking a capture: every string value of the exported telemetry through one `Masker`.

A capture is meant to be shared (a regression suite in a repository), so it carries no secret
and no personal data: attributes by key and by value, resource attributes, span names, status
messages, exception texts, log bodies and scopes are masked. `service.name` stays, because
the suite asks about services by name; ids and times stay, because they are not secrets and the
traces must still join up. One masker serves the whole capture, so the same token reads as the
same placeholder in a span attribute, a stack trace and a log line.

Numbers and booleans hold no text, with one exception: a number under a secret-looking key, or
one that masks as text (a card number sent as an int), leaves as its masked text instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from aisher.analysis.masking import Masker
from aisher.signoz.json_columns import as_text
from aisher.signoz.stored_records import StoredLog, StoredSpan
from aisher.telemetry import ExceptionRecord

SERVICE_NAME = "service.name"


class CaptureMasker:
    """Masks stored spans and logs; create one per capture."""

    def __init__(self, masker: Masker | None = None) -> None:
        self._masker = masker or Masker()

    @property
    def findings(self) -> dict[str, int]:
        """How many values were masked, per kind; never the values."""
        return self._masker.findings

    def span(self, span: StoredSpan) -> StoredSpan:
        attributes, numbers = self._typed(span.attributes, span.numbers)
        return dataclasses.replace(
            span,
            name=self._masker.mask(span.name),
            status_message=self._masker.mask(span.status_message),
            trace_state=self._masker.mask(span.trace_state),
            attributes=attributes,
            numbers=numbers,
            bools=self._keys(span.bools),
            resource=self.resource(span.resource),
            exceptions=tuple(self._exception(exception) for exception in span.exceptions),
        )

    def log(self, log: StoredLog) -> StoredLog:
        attributes, numbers = self._typed(log.attributes, log.numbers)
        return dataclasses.replace(
            log,
            severity_text=self._masker.mask(log.severity_text),
            body=self._masker.mask(log.body),
            attributes=attributes,
            numbers=numbers,
            bools=self._keys(log.bools),
            resource=self.resource(log.resource),
            scope_name=self._masker.mask(log.scope_name),
            scope_version=self._masker.mask(log.scope_version),
            scope_attributes=MappingProxyType(self._masker.mask_attributes(log.scope_attributes)),
        )

    def resource(self, resource: Mapping[str, str]) -> Mapping[str, str]:
        """Resource attributes masked, except the service name the suite asks about."""
        masked = self._masker.mask_attributes(
            {key: value for key, value in resource.items() if key != SERVICE_NAME}
        )
        if SERVICE_NAME in resource:
            masked = {SERVICE_NAME: resource[SERVICE_NAME], **masked}
        return MappingProxyType(masked)

    def _typed(
        self, strings: Mapping[str, str], numbers: Mapping[str, float]
    ) -> tuple[Mapping[str, str], Mapping[str, float]]:
        """String attributes masked; a number that would leak moves among them, masked."""
        masked = self._masker.mask_attributes(strings)
        kept: dict[str, float] = {}
        for key, number in numbers.items():
            text = as_text(int(number) if number.is_integer() else number)
            hidden = self._masker.mask_value_for_key(key, text)
            if hidden != text:
                masked[self._masker.mask(key)] = hidden
            else:
                kept[self._masker.mask(key)] = number
        return MappingProxyType(masked), MappingProxyType(kept)

    def _keys(self, values: Mapping[str, bool]) -> Mapping[str, bool]:
        return MappingProxyType({self._masker.mask(key): value for key, value in values.items()})

    def _exception(self, exception: ExceptionRecord) -> ExceptionRecord:
        # The group id is a digest of the unmasked message; the loader derives a new one.
        return dataclasses.replace(
            exception,
            type=self._masker.mask(exception.type),
            message=self._masker.mask(exception.message),
            stacktrace=self._masker.mask(exception.stacktrace),
            group_id="",
        )
