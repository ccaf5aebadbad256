"""Organizations and series in the console: names, members and invitations, partner
feeds, and who may change what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from events import accounts
from events.models import AuditEntry, Event, Notification, Organization, Series, User
from tests.factories import ADMIN, csrf_of, log_in, make_event, make_org, make_user

NOW = datetime(2030, 6, 12, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def two_organizations() -> None:
    await make_org("iaj", name_ja="インターネット協会", name_en="Internet Association Japan")
    await make_org("jpnic")
    await make_user("owner@iaj.example", org="iaj", name="鈴木 一郎")
    await make_user("cohost@jpnic.example", org="jpnic")
    await make_user("kanri@example.jp", "admin")


async def logged_in(browser, email: str, page: str) -> str:
    assert (await log_in(browser, email)).status_code == 303
    answer = await browser.get(page)
    assert answer.status_code == 200, answer.text
    return answer.text


# ---- organizations ---------------------------------------------------------------------------

async def test_organization_pages_need_a_login(browser):
    await make_org("iaj")
    for path in ("/console/orgs", "/console/orgs/iaj", "/console/series"):
        assert (await browser.get(path)).status_code == 303


async def test_organizers_see_their_organization_and_admins_every_one(browser):
    await two_organizations()
    mine = await logged_in(browser, "owner@iaj.example", "/console/orgs")
    assert 'href="/console/orgs/iaj"' in mine and "/console/orgs/jpnic" not in mine
    assert 'action="/console/orgs"' not in mine, "only admins add organizations"
    await browser.post("/console/logout", data={"csrf_token": csrf_of(mine)})
    every = await logged_in(browser, "kanri@example.jp", "/console/orgs")
    assert 'href="/console/orgs/iaj"' in every and 'href="/console/orgs/jpnic"' in every
    assert 'action="/console/orgs"' in every


async def test_an_admin_adds_an_organization(browser):
    await make_user("kanri@example.jp", "admin")
    page = await logged_in(browser, "kanri@example.jp", "/console/orgs")
    answer = await browser.post("/console/orgs", data={
        "csrf_token": csrf_of(page), "org_slug": "jpaawg", "org_name_ja": "JPAAWG",
        "org_name_en": "", "org_url": "https://www.jpaawg.org/"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/orgs/jpaawg?notice=org_created"
    org = await Organization.get(slug="jpaawg")
    assert (org.name_ja, org.name_en, org.url) == ("JPAAWG", "JPAAWG", "https://www.jpaawg.org/")
    entry = await AuditEntry.get(action="organization_created")
    assert entry.target == "jpaawg" and entry.organization_id == org.id
    assert "団体を登録しました。" in (await browser.get(answer.headers["location"])).text


async def test_adding_an_organization_shows_errors_in_the_page_language(browser):
    await make_org("iaj")
    await make_user("kanri@example.jp", "admin")
    page = await logged_in(browser, "kanri@example.jp", "/console/orgs")
    bad = await browser.post("/console/orgs", data={
        "csrf_token": csrf_of(page), "org_slug": "Not A Slug", "org_name_ja": "",
        "org_name_en": "", "org_url": "ftp://example.jp"})
    assert bad.status_code == 422
    assert 'id="error-summary"' in bad.text
    assert "半角の英小文字・数字・ハイフンで入力してください" in bad.text
    assert "日本語か英語のどちらかを入力してください。" in bad.text
    assert "http:// または https:// で始まる URL を入力してください。" in bad.text
    assert 'id="f-org_slug" name="org_slug" type="text" value="Not A Slug"' in bad.text
    assert 'aria-describedby="h-org_slug e-org_slug"' in bad.text
    assert '<span class="field-error" id="e-org_url">' in bad.text
    assert 'href="#f-org_name_ja">団体名（日本語）: ' in bad.text

    taken = await browser.post("/console/orgs?lang=en", data={
        "csrf_token": csrf_of(page), "org_slug": "iaj", "org_name_ja": "重複"})
    assert taken.status_code == 409
    assert "This slug is taken; choose another." in taken.text
    assert not await AuditEntry.filter(action="organization_created").exists()


async def test_organizers_cannot_add_organizations(browser):
    await two_organizations()
    page = await logged_in(browser, "owner@iaj.example", "/console/orgs")
    refused = await browser.post("/console/orgs", data={
        "csrf_token": csrf_of(page), "org_slug": "mine", "org_name_ja": "私の団体"})
    assert refused.status_code == 404
    assert not await Organization.filter(slug="mine").exists()


async def test_an_organizer_edits_their_organization(browser):
    await two_organizations()
    await make_event(ADMIN, now=NOW - timedelta(days=1), slug="symposium",
                     partners=[{"org": "iaj", "role": "organizer"}])
    page = await logged_in(browser, "owner@iaj.example", "/console/orgs/iaj")
    assert 'value="インターネット協会"' in page
    answer = await browser.post("/console/orgs/iaj", data={
        "csrf_token": csrf_of(page), "org_name_ja": "一般財団法人インターネット協会",
        "org_name_en": "Internet Association Japan", "org_url": "https://www.iajapan.org/"})
    assert answer.headers["location"] == "/console/orgs/iaj?notice=org_saved"
    org = await Organization.get(slug="iaj")
    assert org.name_ja == "一般財団法人インターネット協会" and org.url == "https://www.iajapan.org/"
    entry = await AuditEntry.get(action="organization_changed")
    assert entry.details == {
        "name_ja": ["インターネット協会", "一般財団法人インターネット協会"],
        "url": ["", "https://www.iajapan.org/"]}
    assert entry.actor == "owner@iaj.example" and entry.organization_id == org.id
    # the new name reaches the feeds: the events it takes part in changed
    assert (await Event.get(slug="symposium")).updated_at == NOW
    feed = await browser.get("/feeds/orgs/iaj.ics")
    assert "一般財団法人インターネット協会" in feed.text.replace("\r\n ", "")

    same = await browser.post("/console/orgs/iaj", data={
        "csrf_token": csrf_of(page), "org_name_ja": "一般財団法人インターネット協会",
        "org_name_en": "Internet Association Japan", "org_url": "https://www.iajapan.org/"})
    assert same.headers["location"] == "/console/orgs/iaj?notice=org_unchanged"
    assert await AuditEntry.filter(action="organization_changed").count() == 1


async def test_an_edit_with_errors_keeps_what_was_typed(browser):
    await two_organizations()
    page = await logged_in(browser, "owner@iaj.example", "/console/orgs/iaj?lang=en")
    bad = await browser.post("/console/orgs/iaj?lang=en", data={
        "csrf_token": csrf_of(page), "org_name_ja": "", "org_name_en": "x" * 301,
        "org_url": "not a url"})
    assert bad.status_code == 422
    assert "must be at most 300 characters" in bad.text
    assert "must be an http(s) URL" in bad.text
    assert 'value="not a url"' in bad.text
    assert (await Organization.get(slug="iaj")).name_ja == "インターネット協会"


async def test_another_organizations_organizer_gets_not_found(browser):
    await two_organizations()
    page = await logged_in(browser, "cohost@jpnic.example", "/console/orgs")
    assert (await browser.get("/console/orgs/iaj")).status_code == 404
    assert (await browser.get("/console/orgs/nowhere")).status_code == 404
    for path, data in (("/console/orgs/iaj", {"org_name_ja": "乗っ取り"}),
                       ("/console/orgs/iaj/members", {"invite_email": "spy@example.jp"})):
        refused = await browser.post(path, data={"csrf_token": csrf_of(page), **data})
        assert refused.status_code == 404
    assert (await Organization.get(slug="iaj")).name_ja == "インターネット協会"
    assert not await User.filter(email="spy@example.jp").exists()


async def test_the_organization_page_lists_members_and_partner_feeds(browser):
    await two_organizations()
    await accounts.disable_user(
        (await make_user("gone@iaj.example", org="iaj")).email, NOW)
    await make_user("invited@iaj.example", org="iaj", password=None)
    page = await logged_in(browser, "owner@iaj.example", "/console/orgs/iaj")
    members = page.split('id="h-members"')[1].split('id="h-invite"')[0]
    assert "鈴木 一郎" in members and "owner@iaj.example" in members
    assert "招待中（パスワード未設定）" in members and "無効" in members
    assert "cohost@jpnic.example" not in members
    assert "member_disable" not in members and "/disable" not in members, "admins only"
    feeds = page.split('id="h-feeds"')[1]
    assert "<code>http://testserver/feeds/orgs/iaj.ics</code>" in feeds
    assert "<code>http://testserver/feeds/orgs/iaj.ics?role=co_host</code>" in feeds
    assert 'href="webcal://testserver/feeds/orgs/iaj.ics?role=sponsor"' in feeds
    english = (await browser.get("/console/orgs/iaj?lang=en")).text
    assert "Partner calendar feeds" in english and "Invited (no password yet)" in english


async def test_inviting_a_colleague_queues_an_invitation_and_a_passwordless_account(browser):
    await two_organizations()
    page = await logged_in(browser, "owner@iaj.example", "/console/orgs/iaj")
    answer = await browser.post("/console/orgs/iaj/members", data={
        "csrf_token": csrf_of(page), "invite_email": " Hanako@IAJ.example ",
        "invite_name": "佐藤 花子", "invite_locale": "en"})
    assert answer.headers["location"] == "/console/orgs/iaj?notice=member_invited"
    user = await User.get(email="hanako@iaj.example")
    assert (user.role, user.password_hash, user.name, user.locale) == (
        "organizer", "", "佐藤 花子", "en")
    assert user.organization_id == (await Organization.get(slug="iaj")).id
    message = await Notification.get(user_id=user.id)
    assert message.purpose == "account_invite" and message.status == "pending"
    link = message.payload["link"]
    assert link.startswith("http://testserver/console/password/")
    assert message.payload["inviter"] == {"name": "鈴木 一郎", "email": "owner@iaj.example"}
    entry = await AuditEntry.get(action="user_invited")
    assert entry.target == "hanako@iaj.example" and entry.actor == "owner@iaj.example"
    # the link opens the page where the colleague sets a password
    assert (await browser.get(link.removeprefix("http://testserver"))).status_code == 200
    listed = (await browser.get(answer.headers["location"])).text
    assert "招待メールを送信待ちにしました。" in listed and "hanako@iaj.example" in listed


async def test_an_invitation_for_a_known_or_odd_address_is_refused(browser):
    await two_organizations()
    page = await logged_in(browser, "owner@iaj.example", "/console/orgs/iaj")
    known = await browser.post("/console/orgs/iaj/members", data={
        "csrf_token": csrf_of(page), "invite_email": "cohost@jpnic.example"})
    assert known.status_code == 409
    assert "このメールアドレスのアカウントはすでにあります。" in known.text
    odd = await browser.post("/console/orgs/iaj/members?lang=en", data={
        "csrf_token": csrf_of(page), "invite_email": "not an address"})
    assert odd.status_code == 422
    assert 'href="#f-invite_email">Your colleague&#39;s email: is not a valid email address' \
        in odd.text
    assert 'value="not an address"' in odd.text
    assert not await Notification.filter(purpose="account_invite").exists()
    assert not await AuditEntry.filter(action="user_invited").exists()


async def test_admins_disable_members(browser):
    await two_organizations()
    colleague = await make_user("colleague@iaj.example", org="iaj")
    page = await logged_in(browser, "kanri@example.jp", "/console/orgs/iaj")
    assert f'action="/console/orgs/iaj/members/{colleague.id}/disable"' in page
    answer = await browser.post(f"/console/orgs/iaj/members/{colleague.id}/disable",
                                data={"csrf_token": csrf_of(page)})
    assert answer.headers["location"] == "/console/orgs/iaj?notice=member_disabled"
    assert (await User.get(id=colleague.id)).disabled_at == NOW
    entry = await AuditEntry.get(action="user_disabled")
    assert entry.target == "colleague@iaj.example"
    owner = await User.get(email="owner@iaj.example")
    wrong_org = await browser.post(f"/console/orgs/jpnic/members/{owner.id}/disable",
                                   data={"csrf_token": csrf_of(page)})
    assert wrong_org.status_code == 404
    assert (await User.get(id=owner.id)).disabled_at is None


async def test_organizers_do_not_disable_colleagues(browser):
    await two_organizations()
    colleague = await make_user("colleague@iaj.example", org="iaj")
    page = await logged_in(browser, "owner@iaj.example", "/console/orgs/iaj")
    refused = await browser.post(f"/console/orgs/iaj/members/{colleague.id}/disable",
                                 data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 404
    assert (await User.get(id=colleague.id)).disabled_at is None


# ---- series ---------------------------------------------------------------------------------

async def test_an_organizer_adds_a_series_to_their_own_organization(browser):
    await two_organizations()
    page = await logged_in(browser, "owner@iaj.example", "/console/series")
    assert 'name="series_organization"' not in page, "an organizer's series are their org's"
    answer = await browser.post("/console/series", data={
        "csrf_token": csrf_of(page), "series_slug": "oic", "series_name_ja": "OIC シンポジウム",
        "series_name_en": "OIC Symposium"})
    assert answer.headers["location"] == "/console/series/oic?notice=series_created"
    series = await Series.get(slug="oic").prefetch_related("organization")
    assert series.organization.slug == "iaj"
    entry = await AuditEntry.get(action="series_created")
    assert entry.details["organization"] == "iaj"
    assert entry.organization_id == series.organization.id

    elsewhere = await browser.post("/console/series", data={
        "csrf_token": csrf_of(page), "series_slug": "theirs", "series_name_ja": "他団体",
        "series_organization": "jpnic"})
    assert elsewhere.status_code == 422
    assert "自分の団体のシリーズだけを作成できます。" in elsewhere.text
    assert not await Series.filter(slug="theirs").exists()


async def test_admins_add_series_for_any_organization_or_none(browser):
    await two_organizations()
    page = await logged_in(browser, "kanri@example.jp", "/console/series")
    assert 'name="series_organization"' in page
    for slug, org in (("ipv6", "jpnic"), ("site-wide", "")):
        answer = await browser.post("/console/series", data={
            "csrf_token": csrf_of(page), "series_slug": slug, "series_name_ja": slug,
            "series_organization": org})
        assert answer.status_code == 303
    assert (await Series.get(slug="ipv6").prefetch_related("organization")).organization.slug \
        == "jpnic"
    assert (await Series.get(slug="site-wide")).organization_id is None
    unknown = await browser.post("/console/series?lang=en", data={
        "csrf_token": csrf_of(page), "series_slug": "x", "series_name_ja": "x",
        "series_organization": "nowhere"})
    assert unknown.status_code == 422 and "unknown organization" in unknown.text
    taken = await browser.post("/console/series", data={
        "csrf_token": csrf_of(page), "series_slug": "ipv6", "series_name_ja": "重複"})
    assert taken.status_code == 409 and "このスラッグはすでに使われています" in taken.text


async def test_series_pages_are_for_their_organization(browser):
    await two_organizations()
    iaj, jpnic = await Organization.get(slug="iaj"), await Organization.get(slug="jpnic")
    await Series.create(slug="oic", name_ja="OIC", name_en="OIC", organization=iaj)
    await Series.create(slug="ipv6", name_ja="IPv6", name_en="IPv6", organization=jpnic)
    page = await logged_in(browser, "owner@iaj.example", "/console/series")
    assert 'href="/console/series/oic"' in page and "/console/series/ipv6" not in page
    assert (await browser.get("/console/series/ipv6")).status_code == 404
    refused = await browser.post("/console/series/ipv6", data={
        "csrf_token": csrf_of(page), "series_name_ja": "乗っ取り"})
    assert refused.status_code == 404

    answer = await browser.post("/console/series/oic", data={
        "csrf_token": csrf_of(page), "series_name_ja": "オープンイノベーション",
        "series_name_en": "Open Innovation", "series_organization": "jpnic"})
    assert answer.headers["location"] == "/console/series/oic?notice=series_saved"
    series = await Series.get(slug="oic")
    assert series.name_ja == "オープンイノベーション"
    assert series.organization_id == iaj.id, "only admins move a series"


async def test_an_admin_moves_a_series_to_another_organization(browser):
    await two_organizations()
    iaj = await Organization.get(slug="iaj")
    series = await Series.create(slug="oic", name_ja="OIC", name_en="OIC", organization=iaj)
    event = await make_event(ADMIN, now=NOW - timedelta(days=2), slug="oic-2030",
                             series="oic", partners=[{"org": "iaj", "role": "organizer"}])
    page = await logged_in(browser, "kanri@example.jp", "/console/series/oic")
    answer = await browser.post("/console/series/oic", data={
        "csrf_token": csrf_of(page), "series_name_ja": "OIC", "series_name_en": "OIC",
        "series_organization": "jpnic"})
    assert answer.status_code == 303
    entry = await AuditEntry.get(action="series_changed")
    assert entry.details == {"organization": ["iaj", "jpnic"]}
    assert (await Series.get(id=series.id)).organization_id == (
        await Organization.get(slug="jpnic")).id
    renamed = await browser.post("/console/series/oic?lang=en", data={
        "csrf_token": csrf_of(page), "series_name_ja": "", "series_name_en": "",
        "series_organization": "jpnic"})
    assert renamed.status_code == 422 and "needs a text in ja or en" in renamed.text
    assert (await Event.get(id=event.id)).updated_at < NOW
