"""When sources are due, how errors back off, and how claims keep two workers apart."""

from datetime import timedelta

import pytest
from django.utils import timezone

from khabar.sources.claims import claim_source, release_source, renew_claim, reserve_due_source
from khabar.sources.models import Source
from khabar.sources.schedule import (
    backoff_delay,
    due_sources,
    next_check_after_success,
    record_error,
    record_success,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def intervals(settings):
    settings.KHABAR_FETCH_INTERVAL = 600
    settings.KHABAR_MAX_BACKOFF = 3600


@pytest.mark.usefixtures("intervals")
@pytest.mark.parametrize(
    ("errors", "minutes"), [(1, 10), (2, 20), (3, 40), (4, 60), (50, 60), (10_000, 60)]
)
def test_backoff_doubles_up_to_the_cap(errors, minutes):
    assert backoff_delay(errors) == timedelta(minutes=minutes)


@pytest.mark.usefixtures("intervals")
def test_after_success_ttl_and_retry_after_can_only_delay():
    now = timezone.now()
    assert next_check_after_success(now=now) == now + timedelta(minutes=10)
    assert next_check_after_success(now=now, ttl_seconds=1800) == now + timedelta(minutes=30)
    assert next_check_after_success(now=now, ttl_seconds=60) == now + timedelta(minutes=10)
    later = now + timedelta(minutes=45)
    assert next_check_after_success(now=now, retry_after=later) == later
    far = now + timedelta(days=30)
    assert next_check_after_success(now=now, retry_after=far) == now + timedelta(hours=1)


@pytest.mark.usefixtures("intervals")
def test_success_clears_the_error_state():
    source = Source.objects.create(url="https://a.example/feed")
    record_error(source, message="the server answered 500 Internal Server Error")
    record_error(source, message="the server answered 500 Internal Server Error")
    assert source.error_count == 2
    record_success(source, etag='"x"')
    source.refresh_from_db()
    assert (source.error_count, source.last_error, source.etag) == (0, "", '"x"')
    assert source.last_error_at is not None  # kept: when the last error happened


def test_due_sources():
    now = timezone.now()
    new = Source.objects.create(url="https://new.example/feed")
    due = Source.objects.create(
        url="https://due.example/feed", next_check_at=now, last_fetched_at=now
    )
    Source.objects.create(url="https://later.example/feed", next_check_at=now + timedelta(1))
    Source.objects.create(url="https://off.example/feed", enabled=False)
    Source.objects.create(
        kind=Source.Kind.PAGE, url="https://page.example/done", last_fetched_at=now
    )
    Source.objects.create(kind=Source.Kind.IMPORT, name="bulk")
    assert set(due_sources(now=now)) == {new, due}


def test_claims_exclude_each_other_until_they_expire():
    source = Source.objects.create(url="https://a.example/feed")
    now = timezone.now()
    token = claim_source(source.pk, now=now)
    assert token
    assert claim_source(source.pk, now=now) is None
    assert renew_claim(source.pk, token=token)
    assert not renew_claim(source.pk, token="someone-else")
    expired = now + timedelta(hours=2)
    other = claim_source(source.pk, now=expired)
    assert other and other != token
    release_source(source.pk, token=token)  # the old holder's release changes nothing
    assert Source.objects.get().claimed_by == other
    release_source(source.pk, token=other)
    assert Source.objects.get().claimed_until is None


def test_a_disabled_source_cannot_be_claimed():
    source = Source.objects.create(url="https://a.example/feed", enabled=False)
    assert claim_source(source.pk) is None


def test_only_one_scheduler_reserves_a_due_source():
    source = Source.objects.create(url="https://a.example/feed")
    now = timezone.now()
    assert reserve_due_source(source.pk, now=now)
    assert not reserve_due_source(source.pk, now=now)
