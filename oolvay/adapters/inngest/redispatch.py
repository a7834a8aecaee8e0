"""Sending recorded failed dispatches again, on an operator's request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs
import structlog

from oolvay.adapters.inngest.events import event_from_json
from oolvay.adapters.inngest.queue import QUEUE_NAME, describe_error
from oolvay.adapters.inngest.sending import EventSender
from oolvay.application.ports import Clock, FailedDispatch, UnitOfWork

log = structlog.get_logger(__name__)


class FailedDispatchNotFound(LookupError):
    def __init__(self, failure_id: uuid.UUID) -> None:
        super().__init__(f"no unresolved failed dispatch {failure_id}")
        self.failure_id = failure_id


@attrs.frozen
class Redispatch:
    """What one re-send did: ``failure`` is the record as it now stands."""

    failure: FailedDispatch
    delivered: bool


@attrs.frozen
class FailedDispatchRedispatcher:
    """Re-sends recorded events with their original ids (so Inngest drops a duplicate if the
    first send got through after all). A success resolves the record; a failure counts one
    more attempt and keeps the latest error."""

    uow: UnitOfWork
    send: EventSender
    clock: Clock

    def unresolved(self, *, limit: int = 100) -> Sequence[FailedDispatch]:
        with self.uow:
            return list(self.uow.failed_dispatches.list_unresolved(limit=limit))

    def retry(self, failure_id: uuid.UUID) -> Redispatch:
        with self.uow:
            failure = self.uow.failed_dispatches.get(failure_id)
        if failure is None or failure.is_resolved or failure.queue != QUEUE_NAME:
            raise FailedDispatchNotFound(failure_id)
        return self._resend(failure)

    def retry_all(self, *, limit: int = 100) -> list[Redispatch]:
        failures = self.unresolved(limit=limit)
        return [self._resend(failure) for failure in failures if failure.queue == QUEUE_NAME]

    def _resend(self, failure: FailedDispatch) -> Redispatch:
        context = {"failedDispatchId": str(failure.id), **failure.context}
        try:
            self.send([event_from_json(failure.payload)])
        except Exception as error:  # noqa: BLE001 - each failure is recorded, the rest go on
            updated = attrs.evolve(
                failure, attempts=failure.attempts + 1, error=describe_error(error)
            )
            log.warning("Re-sending a failed Inngest dispatch failed again", **context)
        else:
            updated = attrs.evolve(failure, resolved_at=self.clock.now())
            log.info("Re-sent a failed Inngest dispatch", **context)
        with self.uow:
            self.uow.failed_dispatches.update(updated)
            self.uow.commit()
        return Redispatch(failure=updated, delivered=updated.is_resolved)
