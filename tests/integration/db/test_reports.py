"""Reports, the audience count and the delivery pages a report is read from."""

from __future__ import annotations

from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.reports import Report, ReportStatus
from oolvay.domain.users import POST_EMAIL_AUDIENCE
from tests.builders import T0, a_post, a_subscriber
from tests.integration.db.conftest import an_author, given


def test_the_audience_count_matches_the_pages(uow: SqlAlchemyUnitOfWork) -> None:
    post = a_post()
    readers = [a_subscriber(n) for n in range(5)]
    given(uow, an_author(), post, *readers, a_subscriber(9, bounced=True))
    with uow:
        uow.deliveries.claim(post.id, [readers[0].id], claimant="r", now=T0, stale_before=T0)
        uow.deliveries.record(post.id, [DeliveryOutcome.sent(readers[0].id)], claimant="r", now=T0)
        uow.commit()

    with uow:
        count = uow.users.count_audience(post.id, POST_EMAIL_AUDIENCE)

    assert count == 4


def test_delivery_pages_walk_every_record_in_user_order(uow: SqlAlchemyUnitOfWork) -> None:
    post = a_post()
    readers = [a_subscriber(n) for n in range(5)]
    given(uow, an_author(), post, *readers)
    with uow:
        uow.deliveries.claim(
            post.id, [r.id for r in readers], claimant="r", now=T0, stale_before=T0
        )
        uow.deliveries.record(
            post.id,
            [DeliveryOutcome.failed(readers[2].id, "550 gone", retriable=False)],
            claimant="r",
            now=T0,
        )
        uow.commit()

    with uow:
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
