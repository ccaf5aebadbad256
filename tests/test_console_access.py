"""Every console route, walked with every kind of user: who gets in is decided on the server.

The table below names the rule of each route; a route missing from it fails the test, so
a new page cannot ship without saying who may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from api.app import create_app
from api.openapi import operations
from events import access, catalogue
from events.access import Actor
from events.models import EventPartner, Notification, Registration, User
from tests.factories import csrf_of, log_in, make_event, make_org, make_user

# Who may use each route: "user" any logged-in user; "admin"; "view" the event's managers
# and co-hosts; "registrants" managers, and co-hosts when the event shares registrants;
# "manage" the event's managers (the CSV export too: a co-host reads, does not take
# away); "org" admins and members of the organization; "org-admin" admins only, for
# organization members; "series" admins and organizers of the series' organization;
# "relation" admins and organizers of the organization asked.
RULES: dict[tuple[str, str], str] = {
    ("GET", "/console/"): "user",
    ("GET", "/console/account"): "user",
    ("POST", "/console/account/password"): "user",
    ("POST", "/console/account/totp/start"): "user",
    ("POST", "/console/account/totp"): "user",
    ("POST", "/console/account/totp/off"): "user",
    ("POST", "/console/account/admin-totp"): "admin",
    ("POST", "/console/relations/{id}"): "relation",
    ("GET", "/console/orgs"): "user",
    ("POST", "/console/orgs"): "admin",
    ("GET", "/console/orgs/{slug}"): "org",
    ("POST", "/console/orgs/{slug}"): "org",
    ("POST", "/console/orgs/{slug}/members"): "org",
    ("POST", "/console/orgs/{slug}/members/{id}/disable"): "org-admin",
    ("GET", "/console/series"): "user",
    ("POST", "/console/series"): "user",
    ("GET", "/console/series/{slug}"): "series",
    ("POST", "/console/series/{slug}"): "series",
    ("GET", "/console/audit"): "user",
    ("GET", "/console/events/new"): "user",
    ("POST", "/console/events/new"): "user",
    ("GET", "/console/events/{slug}"): "view",
    ("POST", "/console/events/{slug}"): "manage",
    ("GET", "/console/events/{slug}/preview"): "manage",
    ("GET", "/console/events/{slug}/registrations"): "registrants",
    ("GET", "/console/events/{slug}/registrations.csv"): "manage",
    ("GET", "/console/events/{slug}/registrations/{id}"): "registrants",
    ("POST", "/console/events/{slug}/registrations/{id}/cancel"): "manage",
    ("POST", "/console/events/{slug}/registrations/{id}/attendance"): "manage",
    ("POST", "/console/events/{slug}/registrations/{id}/confirm"): "manage",
    ("POST", "/console/events/{slug}/registrations/{id}/resend"): "manage",
    ("GET", "/console/events/{slug}/mail"): "manage",
    ("POST", "/console/events/{slug}/mail"): "manage",
    ("POST", "/console/events/{slug}/mail/send"): "manage",
    ("POST", "/console/events/{slug}/mail/messages/{id}/retry"): "manage",
    ("GET", "/console/events/{slug}/door"): "view",
    ("GET", "/console/events/{slug}/door/keys"): "view",
    ("POST", "/console/events/{slug}/door/keys"): "manage",
    ("GET", "/console/events/{slug}/door/keys/{id}/revoke"): "manage",
    ("POST", "/console/events/{slug}/door/keys/{id}/revoke"): "manage",
}
# Open to everyone by design: logging in, and the links that set a password.
PUBLIC = {"/console/login", "/console/login/verify", "/console/logout",
          "/console/password/forgot", "/console/password/{token}"}


def console_routes() -> list[tuple[str, str]]:
    from events.config import Settings
    from tests.conftest import BASE_URL, SECRET

    app = create_app(Settings(database_url="sqlite://:memory:", base_url=BASE_URL,
                              secret_key=SECRET), manage_db=False)
    return [(method.upper(), path) for path, method, _ in operations(app.routes)
            if path.startswith("/console") and path not in PUBLIC]


def test_every_console_route_has_a_rule():
    missing = [route for route in console_routes() if route not in RULES]
    assert not missing, f"say who may use these routes in RULES: {missing}"
    gone = [route for route in RULES if route not in console_routes()]
    assert not gone, f"RULES names routes the app no longer has: {gone}"


@dataclass
class World:
    """Two events of iajapan co-hosted by jpaawg (one sharing registrants), jpnic asked
    to support one of them, and what the routes' {id}s point at."""

    ids: dict[str, dict[str, int]]
    relation_id: int
    member_id: int


async def build_world() -> World:
    iajapan, jpaawg, jpnic = (await make_org("iajapan"), await make_org("jpaawg"),
                              await make_org("jpnic"))
    partners = [{"org": "iajapan", "role": "organizer"}, {"org": "jpaawg", "role": "co_host"}]
    ids: dict[str, dict[str, int]] = {}
    for slug, shared in (("shared", True), ("private", False)):
        event = await make_event(slug=slug, format="hybrid", partners=partners,
                                 capacity={"venue": 1, "online": None})
        event.share_registrants = shared
        await event.save(update_fields=["share_registrants"])
        from events import registration

        answer = await registration.register(slug, {
            "name": "参加 太郎", "email": f"taro-{slug}@example.jp", "attendance": "venue"},
            now=datetime.now(UTC))
        key, _ = await access.create_key(f"{slug} door", "checkin", event_slug=slug)
        message = await Notification.get(registration_id=answer.registration.id)
        ids[slug] = {"registrations": answer.registration.id, "keys": key.id,
                     "messages": message.id}
    owner = Actor(role="organizer", organization_id=iajapan.id)
    await catalogue.update_event("private", {"partners": [
        *partners, {"org": "jpnic", "role": "supporter"}]}, actor=owner,
        now=datetime.now(UTC))
    relation = await EventPartner.get(status="pending")
    await make_user("admin@example.jp", "admin")
    member = await make_user("owner@example.jp", "organizer", org="iajapan")
    await make_user("cohost@example.jp", "organizer", org="jpaawg")
    await make_user("other@example.jp", "organizer", org="jpnic")
    from events.models import Series

    await Series.create(slug="oic", name_ja="OIC", name_en="OIC", organization=iajapan)
    assert jpaawg and jpnic
    return World(ids, relation.id, member.id)


def allowed(rule: str, who: str, event: str) -> bool:
    """Whether `who` may use a route with `rule` (on `event`, for event routes)."""
    if who == "admin":
        return True
    return {
        "user": True,
        "admin": False,
        "view": who in ("owner", "cohost"),
        "registrants": who == "owner" or (who == "cohost" and event == "shared"),
        "manage": who == "owner",
        "org": who == "owner",  # the walk opens iajapan's pages
        "org-admin": False,
        "series": who == "owner",  # the series belongs to iajapan
        "relation": who == "other",  # jpnic was asked
    }[rule]


def concrete(path: str, event: str, world: World) -> str:
    """The route's path with real slugs and ids of the world."""
    if path.startswith("/console/orgs/"):
        path = path.replace("{slug}", "iajapan").replace("{id}", str(world.member_id))
    elif path.startswith("/console/series/"):
        path = path.replace("{slug}", "oic")
    elif path.startswith("/console/relations/"):
        path = path.replace("{id}", str(world.relation_id))
    else:
        path = path.replace("{slug}", event)
        kind = re.search(r"/(registrations|keys|messages)/\{id\}", path)
        if kind:
            path = path.replace("{id}", str(world.ids[event][kind.group(1)]))
    return path


WHO = {"admin": "admin@example.jp", "owner": "owner@example.jp",
       "cohost": "cohost@example.jp", "other": "other@example.jp"}


def event_routes_twice(routes: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Event routes are walked on both events (shared and private); others once."""
    out = []
    for method, path in routes:
        events = ("shared", "private") if "/events/{slug}" in path else ("shared",)
        out += [(method, path, event) for event in events]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("who", ["admin", "owner", "cohost", "other", "logged out"])
async def test_each_user_gets_in_exactly_where_allowed(browser, who):
    world = await build_world()
    if who != "logged out":
        assert (await log_in(browser, WHO[who])).status_code == 303
    token = csrf_of((await browser.get("/console/login")).text)
    walk = event_routes_twice(console_routes())
    # Reads first, then refusals, then the writes that are allowed (they change things).
    walk.sort(key=lambda r: (r[0] != "GET", allowed(RULES[r[:2]], who, r[2])))
    wrong = []
    for method, path, event in walk:
        url = concrete(path, event, world)
        if method == "GET":
            response = await browser.get(url)
        else:
            response = await browser.post(url, data={"csrf_token": token})
        status = response.status_code
        if who == "logged out":
            ok = status == 303 and response.headers["location"].startswith("/console/login")
        elif allowed(RULES[(method, path)], who, event):
            # A page, or a redirect to one (never to the login); a write may be refused
            # by the rules (409, 422, 429 for a repeat) but never for want of rights.
            ok = (status == 200 or status == 303 and not response.headers[
                "location"].startswith("/console/login")) if method == "GET" else (
                status in (200, 303, 409, 422, 429))
        else:
            ok = status in (403, 404)
        if not ok:
            wrong.append(f"{method} {url}: {status}")
    assert not wrong, f"{who}: " + "; ".join(wrong)
    if who != "admin":
        assert (await User.get(email=WHO.get(who, "owner@example.jp"))).disabled_at is None
    kept = await Registration.get(id=world.ids["private"]["registrations"])
    assert kept.status != "cancelled" or who in ("admin", "owner")
