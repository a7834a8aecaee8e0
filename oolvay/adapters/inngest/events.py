"""Typed events: a name plus an attrs payload schema, validated both ways.

Payload field names are snake_case JSON (``post.published`` carries ``{"post_id": "<uuid>"}``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs
import inngest

from oolvay.application.jobs import GenerateReport, SendPostNotifications

P = TypeVar("P")


class InvalidEventPayload(ValueError):
    """An event's data does not match its schema."""


def _to_json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _as_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected a UUID string, got {type(value).__name__}")
    return uuid.UUID(value)


def _an_int(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be a whole number")


@attrs.frozen
class EventType(Generic[P]):
    """An event name bound to its payload class (an attrs class)."""

    name: str
    schema: type[P]

    @property
    def trigger(self) -> inngest.TriggerEvent:
        """The trigger for a worker that reacts to this event."""
        return inngest.TriggerEvent(event=self.name)

    def event(self, payload: P, *, id: str) -> inngest.Event:
        if not isinstance(payload, self.schema):
            raise TypeError(f"{self.name} carries {self.schema.__name__}, not {type(payload)}")
        data = attrs.asdict(payload, value_serializer=lambda _i, _a, v: _to_json(v))  # type: ignore[arg-type]
        return inngest.Event(name=self.name, data=data, id=id)

    def read(self, data: Mapping[str, Any]) -> P:
        """Validate an incoming event's data; raise InvalidEventPayload if it does not fit."""
        if not isinstance(data, Mapping):
            raise InvalidEventPayload(f"{self.name}: data must be an object")
        names = {field.name for field in attrs.fields(self.schema)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - names)
        missing = sorted(names - set(data))
        if unknown or missing:
            raise InvalidEventPayload(
                f"{self.name}: unexpected fields {unknown}, missing fields {missing}"
            )
        try:
            return self.schema(**data)
        except (TypeError, ValueError) as error:
            raise InvalidEventPayload(f"{self.name}: {error}") from error


@attrs.frozen
class JobRoute:
    """How one kind of job travels through Inngest: the event it becomes, and the name its
    dispatch failures are grouped under in Sentry (fingerprint ``["inngest", name]``)."""

    job: type[Any]
    to_event: Callable[[Any], inngest.Event]
    dispatch_name: str


@attrs.frozen
class PostPublishedData:
    post_id: uuid.UUID = attrs.field(converter=_as_uuid)


class PostPublished:
    """``post.published``: a post went live and its subscribers should hear of it."""

    type = EventType("post.published", PostPublishedData)

    @classmethod
    def create(cls, *, post_id: uuid.UUID, reason: str = "publish") -> inngest.Event:
        # A deterministic id: Inngest drops a repeat of the same id for 24 hours, so a
        # retried or duplicated send of the same request reaches the worker once.
        return cls.type.event(
            PostPublishedData(post_id=post_id), id=f"post.published:{post_id}:{reason}"
        )

    @classmethod
    def route(cls) -> JobRoute:
        """``SendPostNotifications`` jobs travel as this event."""
        return JobRoute(
            job=SendPostNotifications,
            to_event=lambda job: cls.create(post_id=job.post_id, reason=job.reason),
            dispatch_name="dispatchPostNotification",
        )


@attrs.frozen
class BatchData:
    post_id: uuid.UUID = attrs.field(converter=_as_uuid)
    round: int = attrs.field(validator=attrs.validators.and_(_an_int, attrs.validators.ge(0)))
    batch: int = attrs.field(validator=attrs.validators.and_(_an_int, attrs.validators.ge(0)))


class BatchReady:
    """``post.notifications.batch``: one batch of a planned send is ready to be sent."""

    type = EventType("post.notifications.batch", BatchData)

    @classmethod
    def create(cls, *, post_id: uuid.UUID, round: int, batch: int) -> inngest.Event:
        # Deterministic: a replayed dispatch step sends each batch once.
        return cls.type.event(
            BatchData(post_id=post_id, round=round, batch=batch),
            id=f"post.batch:{post_id}:{round}:{batch}",
        )


@attrs.frozen
class FanOutData:
    post_id: uuid.UUID = attrs.field(converter=_as_uuid)
    round: int = attrs.field(validator=attrs.validators.and_(_an_int, attrs.validators.ge(0)))
    first: int = attrs.field(validator=attrs.validators.and_(_an_int, attrs.validators.ge(0)))
    """The first batch of the range, and the one after its last (``end``)."""
    end: int = attrs.field(validator=attrs.validators.and_(_an_int, attrs.validators.ge(0)))


class FanOut:
    """``post.notifications.fan-out``: dispatch the batch events of a range of batches (a
    send too large for one run to dispatch is split into such ranges)."""

    type = EventType("post.notifications.fan-out", FanOutData)

    @classmethod
    def create(cls, *, post_id: uuid.UUID, round: int, first: int, end: int) -> inngest.Event:
        return cls.type.event(
            FanOutData(post_id=post_id, round=round, first=first, end=end),
            id=f"post.fan-out:{post_id}:{round}:{first}",
        )


@attrs.frozen
class ReportGeneratedData:
    report_id: uuid.UUID = attrs.field(converter=_as_uuid)
    requested_by: uuid.UUID = attrs.field(converter=_as_uuid)


class ReportGenerated:
    """``report.generated``: an editor asked for a post's delivery report."""

    type = EventType("report.generated", ReportGeneratedData)

    @classmethod
    def create(cls, *, report_id: uuid.UUID, requested_by: uuid.UUID) -> inngest.Event:
        return cls.type.event(
            ReportGeneratedData(report_id=report_id, requested_by=requested_by),
            id=f"report.generated:{report_id}",
        )

    @classmethod
    def route(cls) -> JobRoute:
        """``GenerateReport`` jobs travel as this event."""
        return JobRoute(
            job=GenerateReport,
            to_event=lambda job: cls.create(report_id=job.report_id, requested_by=job.requested_by),
            dispatch_name="dispatchReportGeneration",
        )


def event_to_json(event: inngest.Event) -> dict[str, Any]:
    """What is kept of an event that could not be sent, to send it again as it was."""
    return {"name": event.name, "data": dict(event.data), "id": event.id}


def event_from_json(stored: Mapping[str, Any]) -> inngest.Event:
    """The event ``event_to_json`` kept, with its original id (so Inngest can deduplicate)."""
    try:
        return inngest.Event(name=stored["name"], data=stored["data"], id=stored["id"])
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidEventPayload(f"not a stored event: {error}") from error
