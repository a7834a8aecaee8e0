from oolvay.application.jobs import SendPostNotifications
from oolvay.domain.bounces import BounceEvent, BounceKind
from oolvay.domain.users import POST_EMAIL_AUDIENCE
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeMailer
from tests.unit.application.conftest import World


def bounced(world: World, n: int) -> bool:
    return world.uow.store.users[a_subscriber(n).id].bounced


def test_a_mailbox_that_does_not_exist_is_suppressed_at_once(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "550 5.1.1 no such user"})
    post_id = world.published(a_post(), a_subscriber(0), a_subscriber(1))

    world.send(SendPostNotifications(post_id=post_id))

    assert bounced(world, 1)
    assert not bounced(world, 0)
    [event] = world.uow.store.bounce_events.values()
    assert (event.kind, event.status, event.source) == (BounceKind.HARD_BOUNCE, "5.1.1", "smtp")
    with world.uow:
        assert world.uow.users.count_audience(POST_EMAIL_AUDIENCE) == 1


def test_other_permanent_refusals_suppress_after_three_posts_and_count_once_a_post(
    world: World,
) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "552 5.2.2 mailbox full"})
    world.given(a_subscriber(1))
    posts = [world.published(a_post(title=f"Post {n}")) for n in range(3)]

    world.send(SendPostNotifications(post_id=posts[0]))
    world.resend(posts[0])
    world.queue.drain()  # the same post refused again: still one refusal
    world.send(SendPostNotifications(post_id=posts[1]))
    after_two = bounced(world, 1)
    world.send(SendPostNotifications(post_id=posts[2]))

    assert not after_two
    assert bounced(world, 1)
    assert len(world.uow.store.bounce_events) == 3


def test_a_refusal_for_now_or_before_any_server_suppresses_nobody(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "450 4.2.1 mailbox busy"})
    broken = a_subscriber(2)
    broken.email = "two@@example.com"
    post_id = world.published(a_post(), a_subscriber(1), broken)

    world.send(SendPostNotifications(post_id=post_id))

    assert world.uow.store.bounce_events == {}
    assert not bounced(world, 1)


def test_the_status_counts_what_came_back_and_the_complaint_rate(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "550 5.1.1 no such user"})
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(5)))
    world.send(SendPostNotifications(post_id=post_id))
    complaint = BounceEvent.record(
        user_id=a_subscriber(3).id,
        post_id=post_id,
        kind=BounceKind.COMPLAINT,
        now=world.clock.now(),
    )
    with world.uow:
        world.uow.bounce_events.add(complaint)
        world.uow.commit()

    feedback = world.overview(post_id).feedback

    assert feedback.counts == {BounceKind.HARD_BOUNCE: 1, BounceKind.COMPLAINT: 1}
    assert feedback.sent == 4
    assert feedback.complaint_rate == 1 / 4
