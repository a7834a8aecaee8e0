"""The Selector is the only place that chooses a queue; prove both branches."""

from __future__ import annotations

from collections.abc import Mapping

from dependency_injector import providers

from oolvay.application.ports import DispatchStatus
from oolvay.composition_root import Container, build_container
from oolvay.domain.posts import Post
from oolvay.settings import load_settings
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeMailer, FakeRenderer, FakeUnitOfWork, RecordingEventSender


def container_with(environ: Mapping[str, str]) -> tuple[Container, FakeUnitOfWork, FakeMailer]:
    container = build_container(load_settings(environ))
    uow, mailer = FakeUnitOfWork(), FakeMailer()
    container.uow.override(providers.Object(uow))
    container.mailer.override(providers.Object(mailer))
    container.notification_renderer.override(providers.Object(FakeRenderer()))
    return container, uow, mailer


def given_a_draft_and_readers(uow: FakeUnitOfWork) -> Post:
    post = a_post()
    with uow:
        uow.posts.add(post)
        for n in range(3):
            uow.users.add(a_subscriber(n))
        uow.commit()
    return post


def test_inngest_disabled_sends_the_emails_before_publish_returns() -> None:
    container, uow, mailer = container_with({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "false"})
    sender = RecordingEventSender()
    container.inngest_event_sender.override(providers.Object(sender))
    post = given_a_draft_and_readers(uow)

    result = container.publish_post()(post.id)

    assert len(mailer.sent) == 3
    assert sender.events == []
    assert result.dispatch is not None
    assert (result.dispatch.queue, result.dispatch.status) == ("inline", DispatchStatus.RAN)
    assert result.dispatch.result is not None
    assert (result.dispatch.result["status"], result.dispatch.result["sent"]) == ("sent", 3)


def test_inngest_enabled_only_sends_an_event() -> None:
    container, uow, mailer = container_with(
        {"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true", "INNGEST_DEV": "1"}
    )
    sender = RecordingEventSender()
    container.inngest_event_sender.override(providers.Object(sender))
    post = given_a_draft_and_readers(uow)

    result = container.publish_post()(post.id)

    assert mailer.sent == []
    [event] = sender.events
    assert event.name == "post.published"
    assert event.data == {"post_id": str(post.id)}
    assert result.dispatch is not None
    assert (result.dispatch.queue, result.dispatch.status) == ("inngest", DispatchStatus.DISPATCHED)
