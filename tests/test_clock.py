"""The hour-sensitive tests, run at the hours that used to break them.

The suite runs them on a fixed clock; here the clock stops at awkward moments instead and
the very same test functions run again, so a test that only passes at 2 pm shows here:

- a check-in session fills "today in Tokyo": registration used to close 36 seconds before
  Tokyo's midnight, so the door tests failed from 23:59:24 there;
- reminders go to each day's first session, a day in Tokyo: the reminder test's two
  sessions used to straddle Tokyo's midnight whenever it ran between 16:00 and 19:00 UTC.

Everything in this process (requests, keys, the worker, the factories) reads the travelled
clock. The browser tests cannot be moved: their server runs in another process.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from inspect import signature

import pytest
import time_machine

from tests import test_checkin, test_mail
from tests.test_checkin import TOKYO

MOMENTS = {
    "15:59:50 Tokyo": datetime(2030, 6, 12, 15, 59, 50, tzinfo=TOKYO),
    "16:30 Tokyo": datetime(2030, 6, 12, 16, 30, tzinfo=TOKYO),
    "23:59:50 Tokyo": datetime(2030, 6, 12, 23, 59, 50, tzinfo=TOKYO),
    "15:59:50 UTC": datetime(2030, 6, 12, 15, 59, 50, tzinfo=UTC),  # 00:59:50 in Tokyo
    "16:30 UTC": datetime(2030, 6, 12, 16, 30, tzinfo=UTC),  # 01:30 in Tokyo
}

CHECKIN = [
    test_checkin.test_first_scan_checks_in_and_the_second_is_refused_with_the_first_entry,
    test_checkin.test_no_venue_session_today_is_wrong_day,
    test_checkin.test_multi_day_event_admits_once_per_session_day,
    test_checkin.test_offline_uploads_first_scan_wins_and_duplicates_are_reported,
    test_checkin.test_stats_count_per_mode_and_day,
    test_checkin.test_offline_kit_holds_the_key_revocations_and_names_only,
]


@pytest.fixture(params=list(MOMENTS.values()), ids=list(MOMENTS))
def moment(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """The clock stopped at one awkward moment for the whole test."""
    with time_machine.travel(request.param.astimezone(UTC), tick=False):
        yield request.param


@pytest.mark.parametrize("test", CHECKIN, ids=lambda t: t.__name__.removeprefix("test_"))
async def test_checkin_at_any_hour(moment, test, client, settings):
    assert datetime.now(TOKYO) == moment, "the clock is stopped at the moment"
    fixtures = {"client": client, "settings": settings}
    await test(**{name: fixtures[name] for name in signature(test).parameters})


async def test_reminder_at_any_hour(moment, client, database, smtp_server):
    assert datetime.now(UTC) == moment
    await test_mail.reminder_once_per_session_day(client, database, smtp_server)
