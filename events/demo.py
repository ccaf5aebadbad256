"""Demo data: the events kaigi grew from, plus a few upcoming ones relative to today.

The real events come from IAjapan's FY2021 business plan and the MIC/METI IoT report.
Hours were not published for most of them, so the demo uses 10:00-17:00 Japan time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from events import catalogue
from events.access import Actor
from events.models import Event, Organization, Series
from events.vocabulary import DEFAULT_TIMEZONE

ADMIN = Actor(role="admin")

ORGANIZATIONS = [
    ("iajapan", "一般財団法人インターネット協会", "Internet Association Japan",
     "https://www.iajapan.org/"),
    ("oic", "IoT/AI時代におけるオープンイノベーション推進協議会 (OIC)",
     "Open Innovation Council for the IoT/AI Era (OIC)", ""),
    ("interop-tokyo", "Interop Tokyo 実行委員会", "Interop Tokyo Executive Committee",
     "https://www.interop.jp/"),
    ("jpaawg", "JPAAWG", "JPAAWG", "https://www.jpaawg.org/"),
    ("m3aawg", "M3AAWG", "M3AAWG", "https://www.m3aawg.org/"),
    ("jpnic", "一般社団法人日本ネットワークインフォメーションセンター (JPNIC)",
     "Japan Network Information Center (JPNIC)", "https://www.nic.ad.jp/"),
    ("mic", "総務省", "Ministry of Internal Affairs and Communications (MIC)",
     "https://www.soumu.go.jp/"),
    ("meti", "経済産業省", "Ministry of Economy, Trade and Industry (METI)",
     "https://www.meti.go.jp/"),
    ("cloudil", "一般社団法人クラウド活用・地域ICT投資促進協議会 (CLOUDIL)",
     "CLOUDIL", ""),
    ("kanto-bureaus", "関東総合通信局・関東経済産業局",
     "Kanto Bureau of Telecommunications and Kanto Bureau of Economy, Trade and Industry", ""),
    ("regional-iot-network", "地域IoT官民ネット", "Regional IoT Public-Private Network", ""),
]

SERIES = [
    ("oic-symposium", "OICシンポジウム", "OIC Symposium"),
    ("interop-tokyo", "Interop Tokyo", "Interop Tokyo"),
    ("internet-week", "Internet Week", "Internet Week"),
    ("anti-spam-conference", "迷惑メール対策カンファレンス", "Anti-spam Conference"),
    ("ipv6-events", "IPv6普及・推進イベント", "IPv6 promotion events"),
    ("regional-iot", "地方版IoT推進ラボ関連会議", "Regional IoT Lab meetings"),
]

MAKUHARI = {"name": "幕張メッセ (Makuhari Messe)", "address": "千葉県千葉市美浜区中瀬2-1"}


def day(d: date, start: str = "10:00", end: str = "17:00") -> tuple[str, str]:
    return f"{d.isoformat()}T{start}:00+09:00", f"{d.isoformat()}T{end}:00+09:00"


def session(title: str | dict[str, str], d: date, fmt: str, start: str = "10:00",
            end: str = "17:00", end_day: date | None = None, **extra: Any) -> dict[str, Any]:
    starts, _ = day(d, start, end)
    _, ends = day(end_day or d, start, end)
    return {"title": title, "starts_at": starts, "ends_at": ends, "format": fmt, **extra}


def demo_events(today: date) -> list[dict[str, Any]]:
    """API payloads, as an organizer would send them."""
    soon = today + timedelta(days=12)
    return [
        {
            "slug": "interop-tokyo-2021",
            "title": {"ja": "Interop Tokyo 2021", "en": "Interop Tokyo 2021"},
            "summary": {
                "ja": "幕張メッセでの展示会とライブ配信、オンライン開催、オンラインカンファレンスの三部構成。",
                "en": "Exhibition at Makuhari Messe with a live stream, then online days, "
                      "then an online conference.",
            },
            "series": "interop-tokyo",
            "venue": MAKUHARI,
            "stream_url": "https://stream.example.net/interop-tokyo-2021",
            "capacity": {"venue": 5000, "online": None},
            "sessions": [
                session({"ja": "展示会 1日目", "en": "Exhibition, day 1"}, date(2021, 4, 14),
                        "hybrid", "10:00", "18:00"),
                session({"ja": "展示会 2日目", "en": "Exhibition, day 2"}, date(2021, 4, 15),
                        "hybrid", "10:00", "18:00"),
                session({"ja": "展示会 3日目", "en": "Exhibition, day 3"}, date(2021, 4, 16),
                        "hybrid", "10:00", "18:00"),
                session({"ja": "オンライン開催", "en": "Online days"}, date(2021, 4, 19),
                        "online", "10:00", "18:00", end_day=date(2021, 4, 23)),
                session({"ja": "Interop Tokyo カンファレンス（オンライン開催）",
                         "en": "Interop Tokyo Conference (online)"}, date(2021, 6, 9),
                        "online", "10:00", "18:00", end_day=date(2021, 6, 23)),
            ],
            "partners": [{"org": "interop-tokyo", "role": "organizer"},
                         {"org": "iajapan", "role": "cooperator"}],
        },
        {
            "slug": "internet-week-2021",
            "title": "Internet Week 2021",
            "summary": {"ja": "開催日未定。インターネット協会が参加します。",
                        "en": "Date to be announced. The Internet Association Japan takes part."},
            "series": "internet-week",
            "status": "tentative",
            "date_tbd": True,
            "partners": [{"org": "jpnic", "role": "organizer"},
                         {"org": "iajapan", "role": "cooperator"}],
        },
        {
            "slug": "oic-symposium-fy2021-1",
            "title": {"ja": "OICシンポジウム 2021（第1回）", "en": "OIC Symposium 2021 (1st)"},
            "summary": {"ja": "DXビジネス推進委員会のもと OIC が主催するオープンイノベーションのシンポジウム。日程調整中。",
                        "en": "The OIC's open-innovation symposium under the DX Business "
                              "Promotion Committee. Date being arranged."},
            "series": "oic-symposium",
            "status": "tentative",
            "date_tbd": True,
            "partners": [{"org": "oic", "role": "organizer"},
                         {"org": "iajapan", "role": "co_host"}],
        },
        {
            "slug": "cloudil-ibaraki-seminar-2018",
            "title": {"ja": "CLOUDIL主催 茨城セミナー", "en": "CLOUDIL seminar, Ibaraki"},
            "series": "regional-iot",
            "venue": {"name": "茨城県内 (Ibaraki)", "address": "茨城県"},
            "sessions": [session({"ja": "セミナー", "en": "Seminar"}, date(2018, 1, 25),
                                 "in_person")],
            "partners": [{"org": "cloudil", "role": "organizer"},
                         {"org": "mic", "role": "cooperator"},
                         {"org": "meti", "role": "cooperator"}],
        },
        {
            "slug": "regional-iot-lab-officials-3",
            "title": {"ja": "第3回 地方版IoT推進ラボ担当者会議",
                      "en": "3rd Regional IoT Lab officials meeting"},
            "series": "regional-iot",
            "sessions": [session({"ja": "会議", "en": "Meeting"}, date(2018, 2, 15),
                                 "in_person")],
            "venue": {"name": "東京 (Tokyo)", "address": "東京都千代田区霞が関"},
            "partners": [{"org": "meti", "role": "organizer"},
                         {"org": "mic", "role": "co_host"}],
        },
        {
            "slug": "kanto-iot-lab-exchange-2018",
            "title": {"ja": "関東広域圏における地方版IoT推進ラボ担当者意見交換会",
                      "en": "Kanto regional IoT Lab exchange meeting"},
            "series": "regional-iot",
            "venue": {"name": "さいたま新都心 (Saitama)", "address": "埼玉県さいたま市"},
            "sessions": [session({"ja": "意見交換会", "en": "Exchange meeting"},
                                 date(2018, 2, 16), "in_person", "13:30", "17:00")],
            "partners": [{"org": "kanto-bureaus", "role": "organizer"}],
        },
        {
            "slug": "iot-design-girl-5",
            "title": {"ja": "地域IoT官民ネット 第5回IoTデザインガール＆デザインハブ",
                      "en": "IoT Design Girl & Design Hub, 5th"},
            "venue": {"name": "東京 (Tokyo)", "address": "東京都"},
            "sessions": [session({"ja": "イベント", "en": "Event"}, date(2018, 2, 28),
                                 "in_person", "13:00", "18:00")],
            "partners": [{"org": "regional-iot-network", "role": "organizer"},
                         {"org": "mic", "role": "supporter"}],
        },
        # Upcoming, relative to the day the demo loads.
        {
            "slug": f"oic-symposium-{soon:%Y%m}",
            "title": {"ja": f"OICシンポジウム {soon.year}", "en": f"OIC Symposium {soon.year}"},
            "summary": {"ja": "行政・自治体・非IT企業との協働によるDXの事例と、会員企業のマッチング。会場とオンラインのハイブリッド開催。",
                        "en": "DX case studies with government, municipalities and non-IT "
                              "companies, and member matching. Hybrid: venue and online."},
            "description": {
                "ja": "OIC 会員・インターネット協会会員のいずれも参加できます。\n\n"
                      "会場参加は先着順、満席の場合はキャンセル待ちとなります。",
                "en": "Members of the OIC and of the association are both welcome.\n\n"
                      "Venue seats are first come, first served; when full you join the "
                      "waiting list.",
            },
            "series": "oic-symposium",
            "venue": {"name": "インターネット協会 会議室", "address": "東京都港区"},
            "stream_url": "https://stream.example.net/oic-symposium",
            "capacity": {"venue": 60, "online": 500},
            "registration_opens_at": f"{(today - timedelta(days=7)).isoformat()}T10:00:00+09:00",
            "registration_closes_at": f"{soon.isoformat()}T09:00:00+09:00",
            "sessions": [session({"ja": "基調講演・パネル討論", "en": "Keynote and panel"},
                                 soon, "hybrid", "13:00", "17:30")],
            "partners": [{"org": "oic", "role": "organizer"},
                         {"org": "iajapan", "role": "co_host"}],
        },
        {
            "slug": f"anti-spam-conference-{today.year + 1}",
            "title": {"ja": f"迷惑メール対策カンファレンス {today.year + 1}",
                      "en": f"Anti-spam Conference {today.year + 1}"},
            "summary": {"ja": "JPAAWG General Meeting との共催。M3AAWG の協力を得て開催します。",
                        "en": "Co-hosted with the JPAAWG General Meeting, with the "
                              "cooperation of M3AAWG."},
            "series": "anti-spam-conference",
            "venue": {"name": "東京国際フォーラム", "address": "東京都千代田区丸の内3-5-1"},
            "stream_url": "https://stream.example.net/anti-spam",
            "capacity": {"venue": 300, "online": None},
            "sessions": [session({"ja": "1日目", "en": "Day 1"}, today + timedelta(days=40),
                                 "hybrid"),
                         session({"ja": "2日目", "en": "Day 2"}, today + timedelta(days=41),
                                 "hybrid")],
            "partners": [{"org": "iajapan", "role": "organizer"},
                         {"org": "jpaawg", "role": "co_host"},
                         {"org": "m3aawg", "role": "cooperator"}],
        },
        {
            "slug": f"ipv6-deployment-seminar-{today.year + 1}",
            "title": {"ja": "IPv6 ディプロイメント・セミナー", "en": "IPv6 Deployment Seminar"},
            "summary": {"ja": "IPv6 ディプロイメント委員会と JPNIC による、IPv6 の利用推進に向けた最新動向の紹介。",
                        "en": "The latest on IPv6 deployment, by the IPv6 Deployment "
                              "Committee and JPNIC."},
            "series": "ipv6-events",
            "stream_url": "https://stream.example.net/ipv6",
            "capacity": {"venue": None, "online": 1000},
            "sessions": [session({"ja": "オンラインセミナー", "en": "Online seminar"},
                                 today + timedelta(days=5), "online", "15:00", "17:00")],
            "partners": [{"org": "iajapan", "role": "organizer"},
                         {"org": "jpnic", "role": "co_host"}],
        },
        {
            "slug": f"safe-internet-lecture-{(today + timedelta(days=26)):%Y%m%d}",
            "title": {"ja": "インターネット安全教室（学校向け出前講座）",
                      "en": "Safe-internet lecture for schools"},
            "summary": {"ja": "学校からの依頼に応じて講師を派遣します（交通費は依頼元負担）。",
                        "en": "A lecturer visits on a school's request (the school pays "
                              "travel)."},
            "venue": {"name": "横浜市立の中学校", "address": "神奈川県横浜市"},
            "capacity": {"venue": 120, "online": None},
            "sessions": [session({"ja": "講演", "en": "Lecture"}, today + timedelta(days=26),
                                 "in_person", "14:00", "15:30")],
            "partners": [{"org": "iajapan", "role": "organizer"}],
        },
    ]


async def load(today: date, now: datetime, default_timezone: str = DEFAULT_TIMEZONE) -> int:
    """Load what is missing; returns how many events were added. Safe to run twice."""
    for slug, ja, en, url in ORGANIZATIONS:
        await Organization.get_or_create(slug=slug, defaults={"name_ja": ja, "name_en": en,
                                                              "url": url})
    for slug, ja, en in SERIES:
        await Series.get_or_create(slug=slug, defaults={"name_ja": ja, "name_en": en})
    added = 0
    for payload in demo_events(today):
        if not await Event.filter(slug=payload["slug"]).exists():
            await catalogue.create_event(payload, actor=ADMIN,
                                         default_timezone=default_timezone, now=now)
            added += 1
    return added
