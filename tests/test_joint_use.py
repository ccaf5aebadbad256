"""With registrants shared, the form names the co-hosts who use the data jointly (共同利用)."""

from __future__ import annotations

from events.models import Event
from tests.factories import make_event, make_org


async def test_the_form_names_the_co_hosts_only_when_sharing(client):
    await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association Japan")
    await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
    await make_event(slug="antispam", format="hybrid", partners=[
        {"org": "iajapan", "role": "organizer"}, {"org": "jpaawg", "role": "co_host"}])
    page = await client.get("/events/antispam/register?lang=ja")
    assert "共同利用" not in page.text and "第三者に提供しません" in page.text

    await Event.filter(slug="antispam").update(share_registrants=True)
    ja = await client.get("/events/antispam/register?lang=ja")
    assert "主催者と共催者（JPAAWG）が共同で利用します" in ja.text
    en = await client.get("/events/antispam/register?lang=en")
    assert "jointly by the organizer and the co-hosts JPAAWG" in en.text
