"""Reports, and the delivery pages a report is read from."""

from __future__ import annotations

from collections.abc import Callable

from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.reports import Report, ReportStatus
from tests.builders import T0, a_post
from tests.integration.contract.support import (
    a_lease,
    a_published_post_with_readers,
    claim,
    record,
    snapshot,
)
from tests.integration.db.conftest import an_author, given

NewUow = Callable[[], SqlAlchemyUnitOfWork]


def test_delivery_pages_walk_every_record_in_user_order(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 5)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)
    record(new_uow, lease, DeliveryOutcome.failed(readers[2].id, "550 gone", retriable=False))

    with new_uow() as uow:
        first = uow.deliveries.page(post.id, after=None, limit=3)
        rest = uow.deliveries.page(post.id, after=first[-1].user_id, limit=3)

    walked = [*first, *rest]
    assert [d.email for d in walked] == [r.email for r in readers]
    assert [d.state for d in walked].count(DeliveryState.FAILED) == 1
    assert walked[2].error == "550 gone"


def test_a_report_and_its_content_round_trip(uow: SqlAlchemyUnitOfWork) -> None:
    author, post = an_author(), a_post()
    given(uow, author, post)
    report = Report.request(post_id=post.id, requested_by=author.id, now=T0)
    with uow:
        uow.reports.add(report)
        uow.commit()

    with uow:
        stored = uow.reports.get(report.id)
        assert stored == report
        assert uow.reports.content(report.id) is None
        stored.complete(rows=2, now=T0)
        uow.reports.update(stored)
        uow.reports.store_content(report.id, "recipient,state\n")
        uow.reports.store_content(report.id, "recipient,state,time,error\n")
        uow.commit()

    with uow:
        ready = uow.reports.get(report.id)
        content = uow.reports.content(report.id)
    assert ready is not None
    assert (ready.status, ready.row_count) == (ReportStatus.READY, 2)
    assert content == "recipient,state,time,error\n"
