"""``generate-report``: the report job's worker."""

from __future__ import annotations

from typing import Any

import inngest

from oolvay.adapters.inngest.events import ReportGenerated, ReportGeneratedData
from oolvay.adapters.inngest.functions import (
    WorkerEnv,
    after_last_retry,
    domain_errors_are_final,
    read_event,
)
from oolvay.application.jobs import GenerateReport, JobResult
from oolvay.application.reports import GenerateReportHandler
from oolvay.domain.reports import ReportId


def generate_report_worker(env: WorkerEnv, *, retries: int | None = 1) -> inngest.Function[Any]:
    """``generate-report``: on ``report.generated``, build the CSV and email the requester.

    It overrides the application's retry policy (one retry, not
    ``background_jobs.inngest.retries``): the report is cheap to ask for again, and a
    requester waiting on a broken report is better told soon than after a long back-off."""

    def give_up(payload: ReportGeneratedData, reason: str) -> None:
        reports = env.handler(GenerateReport, GenerateReportHandler)
        reports.give_up(ReportId(payload.report_id), reason=reason)

    @env.client.create_function(
        fn_id="generate-report",
        trigger=ReportGenerated.type.trigger,
        retries=env.retries(retries),
        on_failure=after_last_retry(
            env,
            "generate-report",
            ReportGenerated.type,
            subject=lambda payload: {"reportId": str(payload.report_id)},
            give_up=give_up,
        ),
    )
    def generate_report(ctx: inngest.ContextSync) -> JobResult:
        payload = read_event(ReportGenerated.type, ctx.event.data)
        report_id = ReportId(payload.report_id)
        reports = env.handler(GenerateReport, GenerateReportHandler)

        def build() -> int | None:
            with domain_errors_are_final():
                return reports.build(report_id).row_count

        def notify() -> bool:
            with domain_errors_are_final():
                return reports.notify(report_id)

        rows = ctx.step.run("build-report", build)
        notified = ctx.step.run("notify-requester", notify)
        return {
            "status": "completed",
            "reportId": str(report_id),
            "rows": rows,
            "notified": notified,
        }

    return generate_report
