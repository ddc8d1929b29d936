"""Alertmanager's webhook payload (version 4), which SigNoz's alert channels send as well.

Unknown keys are ignored (Alertmanager adds some now and then: `notification_reason` in 0.32,
`routeLabels` in 0.34); the types of the keys Aisher reads are checked strictly, so a label that
is a number or a timestamp that is not RFC 3339 is refused with the field named, rather than
coerced into something that misleads the analysis. Go's zero time (`0001-01-01T00:00:00Z`),
which Alertmanager sends for "not set", becomes None.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from aisher.errors import InputError

AlertStatus = Literal["firing", "resolved"]
PAYLOAD_VERSION = "4"
# How many field problems one error message lists; the rest are counted.
MAX_LISTED_PROBLEMS = 3

Labels = dict[StrictStr, StrictStr]


class AlertPayloadError(InputError):
    """A webhook body Aisher cannot use; `field` names the first offending field (or "")."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class MalformedPayload(AlertPayloadError):
    """The body is not JSON at all."""


class InvalidPayload(AlertPayloadError):
    """The body is JSON but not an Alertmanager v4 notification."""


class _Lenient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _null_maps_are_empty(cls, value: Any, info: ValidationInfo) -> Any:
        # Go encodes a nil map as `null`; for labels and annotations that means "none".
        field = cls.model_fields.get(info.field_name or "")
        if value is None and field is not None and field.default_factory is dict:
            return {}
        return value


class Alert(_Lenient):
    """One alert of a notification."""

    status: AlertStatus
    labels: Labels = Field(default_factory=dict)
    annotations: Labels = Field(default_factory=dict)
    starts_at: AwareDatetime | None = Field(default=None, alias="startsAt")
    ends_at: AwareDatetime | None = Field(default=None, alias="endsAt")
    generator_url: StrictStr = Field(default="", alias="generatorURL")
    fingerprint: StrictStr = ""

    @field_validator("starts_at", "ends_at", mode="before")
    @classmethod
    def _timestamp(cls, value: Any) -> Any:
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str):
            raise ValueError("expected an RFC 3339 timestamp string")  # noqa: TRY004
        if value.startswith("0001-01-01"):
            return None
        return value

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)


class AlertNotification(_Lenient):
    """One webhook notification: a group of alerts that Alertmanager routed to Aisher."""

    version: Literal["4"] = "4"
    group_key: StrictStr = Field(alias="groupKey", min_length=1)
    truncated_alerts: StrictInt = Field(default=0, alias="truncatedAlerts", ge=0)
    status: AlertStatus
    receiver: StrictStr = ""
    group_labels: Labels = Field(default_factory=dict, alias="groupLabels")
    common_labels: Labels = Field(default_factory=dict, alias="commonLabels")
    common_annotations: Labels = Field(default_factory=dict, alias="commonAnnotations")
    external_url: StrictStr = Field(default="", alias="externalURL")
    alerts: list[Alert] = Field(min_length=1)

    @property
    def firing(self) -> list[Alert]:
        return [alert for alert in self.alerts if alert.status == "firing"]

    def to_json(self) -> dict[str, Any]:
        """The notification as Alertmanager's JSON (aliases, RFC 3339 times), e.g. for a job."""
        return self.model_dump(mode="json", by_alias=True)


def parse_alert_payload(body: bytes | str) -> AlertNotification:
    """Parse a webhook body; `MalformedPayload` if not JSON, `InvalidPayload` if off-schema."""
    try:
        return AlertNotification.model_validate_json(body)
    except ValidationError as exc:
        problems = exc.errors(include_url=False, include_input=False)
        if any(problem["type"] == "json_invalid" for problem in problems):
            raise MalformedPayload(f"the body is not valid JSON: {problems[0]['msg']}") from None
        raise InvalidPayload(describe_problems(problems), field=_field(problems[0])) from None


def describe_problems(problems: Sequence[ErrorDetails]) -> str:
    """`alerts[0].startsAt: …; status: …` for the first few problems pydantic found."""
    parts = [f"{_field(problem) or '(body)'}: {_message(problem)}" for problem in problems]
    text = "; ".join(parts[:MAX_LISTED_PROBLEMS])
    if len(parts) > MAX_LISTED_PROBLEMS:
        text += f" (and {len(parts) - MAX_LISTED_PROBLEMS} more)"
    return "not an Alertmanager v4 notification: " + text


def _field(problem: ErrorDetails) -> str:
    path = ""
    for part in problem["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _message(problem: ErrorDetails) -> str:
    if problem["type"] == "missing":
        return "required"
    if problem["type"] == "literal_error" and problem["loc"][-1:] == ("version",):
        return f"only version {PAYLOAD_VERSION!r} (Alertmanager's webhook v4) is understood"
    return problem["msg"].removeprefix("Value error, ")
