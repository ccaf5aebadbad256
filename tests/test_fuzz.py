"""Schema-driven fuzzing: every operation in /api/openapi.json, valid and invalid inputs alike.

No answer may be a 5xx, and every answer must match the document: a status it lists, its
media type, its schema. Bounded by MAX_EXAMPLES per operation so the run stays short.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from events import access, db, demo
from events.config import Settings
from tests.conftest import BASE_URL, SECRET, empty_tables, make_settings

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 25
# Valid inputs and invalid ones: an input the document rules out must be refused (4xx),
# so the input models and the document cannot drift apart.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]

# The document is read from the app itself; no database is needed to serve it.
schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(
    Settings(database_url="sqlite://:memory:", base_url=BASE_URL, secret_key=SECRET),
    manage_db=False))
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

TODAY = datetime.now(ZoneInfo("Asia/Tokyo")).date()
EVENT_SLUGS = [e["slug"] for e in demo.demo_events(TODAY)]
ORGANIZATION_SLUGS = [slug for slug, *_ in demo.ORGANIZATIONS]
SERIES_SLUGS = [slug for slug, *_ in demo.SERIES]
VALID_SESSION = {"starts_at": "2099-04-14T10:00:00+09:00", "ends_at": "2099-04-14T18:00:00+09:00",
                 "format": "hybrid"}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Random slugs almost never name a demo event: name one half of the time."""
    if not path_parameters or "slug" not in path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    known = (ORGANIZATION_SLUGS if "/organizations/" in path or "/orgs/" in path
             else SERIES_SLUGS if "/series/" in path else EVENT_SLUGS)
    return st.one_of(st.just(path_parameters), st.sampled_from(known).map(
        lambda slug: {**path_parameters, "slug": slug}))


@schema.hook
def flatmap_body(context, body):
    """Generated events rarely pass the rules across fields: also send one made to pass."""
    if context.operation.path != "/api/v1/events" or not isinstance(body, dict):
        return st.just(body)
    dated = {**body, "sessions": [VALID_SESSION], "date_tbd": False, "status": "scheduled"}
    for name in ("series", "partners", "registration_opens_at", "registration_closes_at",
                 "timezone"):
        dated.pop(name, None)
    return st.sampled_from([body, dated])


@dataclass
class Target:
    """The app over httpx on a loop of the fixture's own, with demo data and an admin key."""

    runner: asyncio.Runner
    client: httpx.AsyncClient
    headers: dict[str, str]
    answers: Counter = field(default_factory=Counter)

    def send(self, case: schemathesis.Case) -> httpx.Response:
        # Schemathesis encodes the case for `requests`; httpx sends those same bytes.
        prepared = requests.Request(**case.as_transport_kwargs(
            base_url=BASE_URL, headers=self.headers)).prepare()
        response = self.runner.run(self.client.request(
            prepared.method, prepared.url, headers=dict(prepared.headers),
            content=prepared.body))
        self.answers[(case.operation.label, response.status_code)] += 1
        return response


@pytest.fixture(scope="module")
def target(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    # Module-scoped, so Hypothesis can call the test many times against one database;
    # the fuzz may create events and organizations as it goes, which is all the better.
    app_settings = make_settings(migrated_url, tmp_path_factory.mktemp("fuzz"))
    with asyncio.Runner() as runner:
        stack = AsyncExitStack()

        async def start() -> Target:
            await stack.enter_async_context(db.connected(app_settings))
            await empty_tables()
            now = datetime.now(UTC)
            await demo.load(now.astimezone(ZoneInfo("Asia/Tokyo")).date(), now)
            _, key = await access.create_key("fuzz", "admin")
            client = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(app_settings, manage_db=False)),
                base_url=BASE_URL))
            return Target(runner, client, {"Authorization": f"Bearer {key}"})

        fuzz = runner.run(start())
        yield fuzz
        runner.run(stack.aclose())
        statuses = Counter(status for (_, status), n in fuzz.answers.items() for _ in range(n))
        print(f"\nfuzz: {sum(fuzz.answers.values())} requests over "
              f"{len({op for op, _ in fuzz.answers})} operations; statuses {dict(statuses)}")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
def test_api_answers_as_documented(case, target):
    response = target.send(case)
    # The hook above may have mended an invalid event into a valid one; and query parameters
    # an operation does not know are ignored by design (caches and link trackers add them).
    mended = isinstance(case.body, dict) and case.body.get("sessions") == [VALID_SESSION]
    extra_query = set(case.query or {}) - {p.name for p in case.operation.query}
    # Console pages send strangers to the login page whatever they asked for.
    page = case.operation.path.startswith("/console")
    checks = ([c for c in CHECKS if c is not negative_data_rejection]
              if mended or extra_query or page else CHECKS)
    case.validate_response(response, checks=checks)
