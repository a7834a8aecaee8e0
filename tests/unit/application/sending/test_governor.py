from datetime import timedelta

import pytest

from oolvay.application.rate_limits import Rate, RateDecision, RateLimit
from oolvay.application.sending.batch import BatchDeferred
from oolvay.application.sending.governor import MailGovernor, MailRates, RateDeferred
from oolvay.domain.deliveries import DeliveryState
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeClock
from tests.fakes.accounts import FakeRateLimiter
from tests.unit.application.conftest import World


def a_governor(
    clock: FakeClock, limiter: FakeRateLimiter, rates: MailRates
) -> tuple[MailGovernor, list[float]]:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds=seconds)

    return MailGovernor(limiter, rates, clock, sleep), slept


def test_the_rates_become_one_shared_limit_and_none_means_no_limit() -> None:
    limit = MailRates(per_second=50, per_day=10_000).limit()

    assert limit is not None
    assert limit.rates == (Rate(50, timedelta(seconds=1)), Rate(10_000, timedelta(days=1)))
    assert MailRates(per_second=0.5).limit().rates == (Rate(1, timedelta(seconds=2)),)  # type: ignore[union-attr]
    assert MailRates().limit() is None


def test_without_a_rate_no_message_waits_or_asks_the_limiter() -> None:
    limiter = FakeRateLimiter(allow=0)
    governor, slept = a_governor(FakeClock(), limiter, MailRates())

    for _ in range(100):
        governor.acquire()

    assert (slept, limiter.hits) == ([], {})


class RefusesOnce(FakeRateLimiter):
    def hit(self, limit: RateLimit, key: str) -> RateDecision:
        decision = super().hit(limit, key)
        self.allow += 1  # the next one fits, once this one has been waited for
        return decision


def test_a_message_over_the_rate_waits_its_turn() -> None:
    limiter = RefusesOnce(allow=0, retry_after=timedelta(seconds=0.5))
    governor, slept = a_governor(FakeClock(), limiter, MailRates(per_second=2))

    governor.acquire()

    assert slept == [0.5]
    assert sum(limiter.hits.values()) == 1


def test_a_turn_too_far_away_is_raised_for_the_batch_to_resume_later() -> None:
    limiter = FakeRateLimiter(allow=0, retry_after=timedelta(hours=5))
    governor, slept = a_governor(FakeClock(), limiter, MailRates(per_day=1000))

    with pytest.raises(RateDeferred) as deferred:
        governor.acquire()

    assert deferred.value.retry_after == 5 * 3600
    assert slept == []


def test_after_a_throttle_this_process_sends_at_half_its_pace_and_climbs_back() -> None:
    clock = FakeClock()
    governor, slept = a_governor(clock, FakeRateLimiter(), MailRates())
    for _ in range(30):  # one a second for thirty seconds
        governor.acquire()
        governor.sent()
        clock.advance(seconds=1)

    governor.throttled()
    governor.acquire()
    governor.acquire()
    halved = slept[-1]
    clock.advance(seconds=30)  # half the cool-down: three quarters of the pace
    slept.clear()
    governor.acquire()
    governor.acquire()
    climbing = slept[-1]
    governor.throttled()  # again, while slowed: half of the pace reached
    slept.clear()
    governor.acquire()
    governor.acquire()
    again = slept[-1]
    clock.advance(minutes=2)
    slept.clear()
    governor.acquire()
    governor.acquire()

    assert halved == pytest.approx(2.0)  # one every two seconds
    assert climbing == pytest.approx(1 / 0.75, rel=0.05)
    assert again == pytest.approx(2 / 0.75, rel=0.05)
    assert slept == []  # the cool-down is over


def test_a_process_that_just_started_halves_the_pace_it_has_had_so_far() -> None:
    clock = FakeClock()
    governor, slept = a_governor(clock, FakeRateLimiter(), MailRates())
    for _ in range(40):  # forty a second, for two seconds
        governor.acquire()
        governor.sent()
        clock.advance(seconds=0.05)

    governor.throttled()
    governor.acquire()
    governor.acquire()

    assert slept[-1] == pytest.approx(1 / 10, rel=0.05)  # twenty a second, not 40/30 / 2


def test_throttles_within_a_second_of_each_other_halve_the_pace_once() -> None:
    clock = FakeClock()
    governor, slept = a_governor(clock, FakeRateLimiter(), MailRates())
    for _ in range(30):
        governor.acquire()
        governor.sent()
        clock.advance(seconds=1)

    for _ in range(4):  # four connections refused in the same moment
        governor.throttled()
        clock.advance(seconds=0.1)
    governor.acquire()
    governor.acquire()

    assert slept[-1] == pytest.approx(2.0, rel=0.05)


def test_a_throttling_server_defers_the_batch_and_slows_the_process(world: World) -> None:
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(3)))
    world.plan(post_id)
    world.mailer.throttle = {"reader1@example.com"}

    with pytest.raises(BatchDeferred) as deferred:
        world.batch(post_id, round=0, batch=0, holder="test")

    assert deferred.value.retry_after >= 30
    assert "slow down" in deferred.value.reason
    progress = world.overview(post_id).progress
    assert (progress[DeliveryState.SENT], progress[DeliveryState.QUEUED]) == (1, 2)
    assert world.governor is not None
    assert world.governor._since is not None


def test_a_throttled_inline_send_waits_and_still_reaches_everyone_once(world: World) -> None:
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(9)))
    world.mailer.throttle = {"reader2@example.com", "reader6@example.com"}

    result = world.send.run(post_id, holder="test")

    assert result.state.value == "sent"
    assert sorted(world.mailer.recipients) == sorted(f"reader{n}@example.com" for n in range(9))
    assert max(world.slept) >= 30
