from datetime import timedelta

from oolvay.application.messages import MailTransportUnavailable
from oolvay.application.sending.circuit import MailCircuit
from oolvay.application.sending.heartbeat import Heartbeats
from oolvay.application.sending.policy import run_once
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.users import POST_EMAIL_AUDIENCE
from tests.builders import a_post, a_subscriber
from tests.integration.contract.support import a_lease
from tests.unit.application.conftest import World


def test_a_heartbeat_keeps_a_lease_alive_and_tells_one_that_was_taken_over(world: World) -> None:
    post_id = world.published(a_post(), a_subscriber(1), a_subscriber(2))
    world.plan(post_id)
    lease = a_lease(post_id, at=world.clock.now())
    with world.uow:
        world.uow.deliveries.claim_batch(
            lease,
            POST_EMAIL_AUDIENCE,
            liveness=world.policy.liveness(world.clock.now()),
            now=world.clock.now(),
        )
        world.uow.commit()
    heartbeats = Heartbeats(lambda: world.uow, world.clock, interval=3600, retry=run_once)

    with heartbeats.hold(lease.id) as held:
        world.clock.advance(seconds=8)
        heartbeats.beat()
        world.clock.advance(seconds=8)  # 16 s since the claim, 8 since the beat
        assert world.overview(post_id).progress.stalled == 0
        with world.uow:
            world.uow.deliveries.reap(
                post_id, liveness=world.policy.liveness(world.clock.now()), now=world.clock.now()
            )
            world.uow.commit()
        assert world.overview(post_id).progress[DeliveryState.SENDING] == 2

        world.clock.advance(seconds=30)  # no beat: dead, and taken over
        with world.uow:
            world.uow.deliveries.reap(
                post_id, liveness=world.policy.liveness(world.clock.now()), now=world.clock.now()
            )
            world.uow.commit()
        heartbeats.beat()
        assert held.lost


def test_the_heartbeat_thread_ends_when_no_lease_is_held(world: World) -> None:
    heartbeats = Heartbeats(lambda: world.uow, world.clock, interval=3600, retry=run_once)

    with heartbeats.hold("a"):
        thread = heartbeats._thread
        assert thread is not None
        assert thread.is_alive()
    thread.join(timeout=10)

    assert not thread.is_alive()


def test_the_circuit_doubles_its_wait_and_takes_the_servers_hint(world: World) -> None:
    circuit = MailCircuit(world.clock, first=timedelta(seconds=1), longest=timedelta(seconds=8))

    waits = []
    for _ in range(5):
        waits.append(circuit.failed(MailTransportUnavailable("down")))
        world.clock.advance(seconds=waits[-1])
    hinted = circuit.failed(MailTransportUnavailable("421 slow down", retry_after=30))

    assert waits == [1, 2, 4, 8, 8]
    assert hinted == 30
    assert circuit.wait() == 30
    assert circuit.reason == "421 slow down"


def test_failures_during_one_outage_count_once_and_a_success_closes_it(world: World) -> None:
    circuit = MailCircuit(world.clock)

    first = circuit.failed(MailTransportUnavailable("down"))
    same = circuit.failed(MailTransportUnavailable("down"))
    circuit.succeeded()

    assert (first, same) == (1, 1)
    assert circuit.wait() == 0
