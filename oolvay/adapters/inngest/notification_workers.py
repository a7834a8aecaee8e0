"""The workers of a post's email send, fanned out so that no run nears Inngest's limits.

``send-post-notifications`` (on ``post.published``) plans the send and sends one
``post.notifications.batch`` event per batch, a thousand to a step; a send of more batches
than one run dispatches in ``DISPATCH_STEPS`` steps is split into ranges, each dispatched
by a ``send-post-notifications-fan-out`` run. ``send-post-notifications-batch`` sends one
batch, with at most ``notifications.concurrency`` batches running at once across the
environment (one concurrency key for the mail transport) and, when
``email.max_messages_per_second`` is set, batch starts throttled to that rate.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import inngest

from oolvay.adapters.inngest.events import (
    BatchData,
    BatchReady,
    FanOut,
    FanOutData,
    PostPublished,
    PostPublishedData,
)
from oolvay.adapters.inngest.functions import (
    TransientDeliveryFailure,
    WorkerEnv,
    after_last_retry,
    domain_errors_are_final,
    read_event,
)
from oolvay.application.jobs import JobResult
from oolvay.application.sending.batch import BatchDeferred
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId

EVENTS_PER_STEP = 1000
"""Events per ``step.send_event``: well inside Inngest's 5,000 and its request size."""
DISPATCH_STEPS = 20
"""The most dispatch steps one run takes; a planner or fan-out run stays under ~25 steps."""
BATCHES_PER_RUN = EVENTS_PER_STEP * DISPATCH_STEPS
MAIL_TRANSPORT_KEY = "'mail-transport'"
"""The concurrency key (a CEL string literal) every mail-sending worker shares."""


def batch_throttle(messages_per_second: float | None, batch_size: int) -> inngest.Throttle | None:
    """``email.max_messages_per_second`` as a limit on batch starts: ``limit`` batches per
    ``period`` whole seconds, the pair nearest the rate (Inngest spreads the starts evenly
    over the period); None when no rate is set."""
    if messages_per_second is None:
        return None
    wanted = messages_per_second / batch_size
    best: tuple[float, int, int] | None = None
    for limit in range(1, 1001):
        period = max(1, round(limit / wanted))
        error = abs(limit / period - wanted) / wanted
        if best is None or error < best[0]:
            best = (error, limit, period)
        if error <= 0.01:
            break
    assert best is not None
    _, limit, period = best
    return inngest.Throttle(limit=limit, period=timedelta(seconds=period), burst=1)


def _chunks(first: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(first, end, size):
        yield start, min(start + size, end)


def _dispatch(
    ctx: inngest.ContextSync, post_id: uuid.UUID, round: int, first: int, end: int
) -> int:
    """Send the events for batches ``first`` to ``end`` (excluded) of ``round``: batch events
    when one run can, else fan-out events for ranges. Returns how many events it sent."""
    sent = 0
    if end - first <= BATCHES_PER_RUN:
        for start, stop in _chunks(first, end, EVENTS_PER_STEP):
            events = [
                BatchReady.create(post_id=post_id, round=round, batch=number)
                for number in range(start, stop)
            ]
            sent += len(ctx.step.send_event(f"dispatch-{round}-{start}", events))
        return sent
    ranges = list(_chunks(first, end, BATCHES_PER_RUN))
    for start, stop in _chunks(0, len(ranges), EVENTS_PER_STEP):
        events = [
            FanOut.create(post_id=post_id, round=round, first=low, end=high)
            for low, high in ranges[start:stop]
        ]
        sent += len(ctx.step.send_event(f"fan-out-{round}-{start}", events))
    return sent


def send_post_notifications_worker(
    env: WorkerEnv, *, retries: int | None = None
) -> inngest.Function[Any]:
    """``send-post-notifications``: on ``post.published``, plan the send and dispatch its
    batches. A planner that gives up leaves the send unplanned, with the reason (a resend
    plans it again), and is reported to Sentry."""

    def give_up(payload: PostPublishedData, reason: str) -> None:
        env.plan_send().give_up(PostId(payload.post_id), reason=reason)

    @env.client.create_function(
        fn_id="send-post-notifications",
        trigger=PostPublished.type.trigger,
        retries=env.retries(retries),
        on_failure=after_last_retry(
            env,
            "send-post-notifications",
            PostPublished.type,
            subject=lambda payload: {"postId": str(payload.post_id)},
            give_up=give_up,
        ),
    )
    def send_post_notifications(ctx: inngest.ContextSync) -> JobResult:
        post_id = read_event(PostPublished.type, ctx.event.data).post_id

        def plan() -> dict[str, int]:
            with domain_errors_are_final():
                made = env.plan_send()(PostId(post_id))
            return {"round": made.round, "batches": made.batches, "audience": made.audience}

        planned = ctx.step.run("plan", plan)
        events = _dispatch(ctx, post_id, planned["round"], 0, planned["batches"])
        return {"status": "planned", "postId": str(post_id), **planned, "events": events}

    return send_post_notifications


def fan_out_worker(env: WorkerEnv, *, retries: int | None = None) -> inngest.Function[Any]:
    """``send-post-notifications-fan-out``: dispatch the batch events of one range. One that
    gives up fails the range's queued recipients (retriable) for a resend."""

    def give_up(payload: FanOutData, reason: str) -> None:
        env.send_batch().give_up(
            PostId(payload.post_id),
            round=payload.round,
            batches=range(payload.first, payload.end),
            reason=reason,
        )

    @env.client.create_function(
        fn_id="send-post-notifications-fan-out",
        trigger=FanOut.type.trigger,
        retries=env.retries(retries),
        on_failure=after_last_retry(
            env,
            "send-post-notifications-fan-out",
            FanOut.type,
            subject=lambda payload: {"postId": str(payload.post_id)},
            give_up=give_up,
        ),
    )
    def fan_out(ctx: inngest.ContextSync) -> JobResult:
        payload: FanOutData = read_event(FanOut.type, ctx.event.data)
        events = _dispatch(ctx, payload.post_id, payload.round, payload.first, payload.end)
        return {"status": "dispatched", "postId": str(payload.post_id), "events": events}

    return fan_out


def send_batch_worker(env: WorkerEnv, *, retries: int | None = None) -> inngest.Function[Any]:
    """``send-post-notifications-batch``: send one batch. Recipients the server deferred
    fail the run, which Inngest retries; a mail server that is unavailable asks for a retry
    after the back-off (``RetryAfterError``). After the last retry, the batch's recipients
    without an outcome are marked failed (retriable: a resend reaches them)."""

    def give_up(payload: BatchData, reason: str) -> None:
        env.send_batch().give_up(
            PostId(payload.post_id),
            round=payload.round,
            batches=range(payload.batch, payload.batch + 1),
            reason=reason,
        )

    @env.client.create_function(
        fn_id="send-post-notifications-batch",
        trigger=BatchReady.type.trigger,
        retries=env.retries(retries),
        concurrency=[
            inngest.Concurrency(limit=env.concurrency, key=MAIL_TRANSPORT_KEY, scope="env")
        ],
        throttle=env.throttle,
        on_failure=after_last_retry(
            env,
            "send-post-notifications-batch",
            BatchReady.type,
            subject=lambda payload: {"postId": str(payload.post_id), "batch": str(payload.batch)},
            give_up=give_up,
        ),
    )
    def send_batch(ctx: inngest.ContextSync) -> JobResult:
        payload: BatchData = read_event(BatchReady.type, ctx.event.data)
        holder = f"inngest:{ctx.run_id}:{ctx.attempt}"
        batch = env.send_batch()
        try:
            with domain_errors_are_final():
                report = batch(
                    PostId(payload.post_id), round=payload.round, batch=payload.batch, holder=holder
                )
        except BatchDeferred as deferred:
            raise inngest.RetryAfterError(
                deferred.reason, timedelta(seconds=max(1.0, deferred.retry_after))
            ) from deferred
        if held := report.progress[DeliveryState.SENDING]:
            # Another run holds them: one that is alive finishes them, and one that died
            # (an earlier attempt of this run, retried before its lease looks dead) is taken
            # over once it does. Either way, come back then rather than end with them unsent.
            raise inngest.RetryAfterError(
                f"{held} of the batch's recipients are held by another run; retrying once "
                "it has finished or its lease has expired",
                batch.policy.dead_after,
            )
        if report.progress.retriable:
            raise TransientDeliveryFailure(
                f"{report.progress.retriable} of the batch's recipients could not be reached "
                "this time; the batch will be retried"
            )
        return {"status": "done", **report.as_json()}

    return send_batch
