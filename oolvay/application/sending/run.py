"""SendPostNotificationsHandler: a whole send in this process (the inline queue, the CLI)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta

import attrs
import structlog

from oolvay.application.jobs import JobResult, SendPostNotifications
from oolvay.application.ports import Clock
from oolvay.application.sending.batch import BatchDeferred, BatchReport, SendBatch
from oolvay.application.sending.plan import Plan, PlanSend
from oolvay.application.sending.policy import SendingPolicy, wait_on_event
from oolvay.application.sending.status import GetSendStatus, SendOverview
from oolvay.domain.ids import PostId

log = structlog.get_logger(__name__)


@attrs.frozen
class SendPostNotificationsHandler:
    """Runs the ``SendPostNotifications`` job in this process: the same plan and the same
    batch handler as the Inngest workers, with up to ``policy.concurrency`` batches at once
    (each on its own mail session), returning when every batch is done.

    When the mail server is unavailable, the batches wait for it (with back-off) for up to
    ``policy.inline_wait``; then the batches left fail as retriable, with the reason, and the
    send ends failed or sent with failures: a resend takes it up later."""

    plan: PlanSend
    batch: SendBatch
    status: GetSendStatus
    policy: SendingPolicy
    clock: Clock
    sleep: Callable[[float], None] = wait_on_event

    def __call__(self, job: SendPostNotifications) -> JobResult:
        return self.run(job.post_id, holder="inline").as_result()

    def run(
        self,
        post_id: PostId,
        *,
        holder: str,
        on_batch: Callable[[BatchReport], None] | None = None,
    ) -> SendOverview:
        plan = self.plan(post_id)
        if plan.batches:
            workers = min(self.policy.concurrency, plan.batches)
            with ThreadPoolExecutor(workers, thread_name_prefix="send-batch") as pool:
                outage = _Outage()
                futures = [
                    pool.submit(self._until_done, plan, number, holder, outage)
                    for number in range(plan.batches)
                ]
                for future in as_completed(futures):
                    report = future.result()
                    if on_batch is not None:
                        on_batch(report)
        return self.status(post_id)

    def _until_done(self, plan: Plan, number: int, holder: str, outage: _Outage) -> BatchReport:
        while True:
            if outage.over(self.clock.now(), self.policy.inline_wait):
                reason = f"the mail server stayed unavailable: {outage.reason}"
                self.batch.give_up(
                    plan.post_id, round=plan.round, batches=range(number, number + 1), reason=reason
                )
                return self.batch.report(plan.post_id, round=plan.round, batch=number)
            try:
                report = self.batch(plan.post_id, round=plan.round, batch=number, holder=holder)
            except BatchDeferred as deferred:
                outage.began(self.clock.now(), deferred.reason)
                self.sleep(deferred.retry_after)
                continue
            outage.ended()
            return report


class _Outage:
    """When the mail server became unavailable during this run, shared by its batches: once
    it has been so for longer than the wait, every batch left gives up at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: datetime | None = None
        self.reason = ""

    def began(self, now: datetime, reason: str) -> None:
        with self._lock:
            if self._since is None:
                self._since = now
            self.reason = reason

    def ended(self) -> None:
        with self._lock:
            self._since = None

    def over(self, now: datetime, wait: timedelta) -> bool:
        with self._lock:
            if self._since is not None and now - self._since >= wait:
                log.error(
                    "Mail server still unavailable; the send's batches give up", reason=self.reason
                )
                return True
            return False
