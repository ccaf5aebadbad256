"""Page language and the few words pages need in Japanese and English."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request

LANGUAGES = ("ja", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {"ja": "kaigi イベント", "en": "kaigi events"},
    "upcoming": {"ja": "これからのイベント", "en": "Upcoming events"},
    "tbd": {"ja": "開催日未定", "en": "Date to be announced"},
    "past": {"ja": "過去のイベント", "en": "Past events"},
    "no_upcoming": {"ja": "予定されているイベントはありません。",
                    "en": "No upcoming events."},
    "sessions": {"ja": "プログラム", "en": "Sessions"},
    "partners": {"ja": "主催・共催・後援", "en": "Organizers and partners"},
    "venue": {"ja": "会場", "en": "Venue"},
    "when": {"ja": "日時", "en": "When"},
    "series": {"ja": "シリーズ", "en": "Series"},
    "all_events": {"ja": "イベント一覧", "en": "All events"},
    "times_in": {"ja": "時刻は {tz} の現地時間です。", "en": "Times are local to {tz}."},
    "online_note": {"ja": "オンライン参加の視聴URLは登録者にのみお知らせします。",
                    "en": "The stream link is sent to registered attendees only."},
    "language_switch": {"ja": "English", "en": "日本語"},
    "error": {"ja": "エラー", "en": "Error"},
    "back_home": {"ja": "イベント一覧へ戻る", "en": "Back to all events"},
    "status_tentative": {"ja": "仮予定", "en": "Tentative"},
    "status_postponed": {"ja": "延期", "en": "Postponed"},
    "status_cancelled": {"ja": "中止", "en": "Cancelled"},
    "status_draft": {"ja": "下書き", "en": "Draft"},
    "status_scheduled": {"ja": "開催予定", "en": "Scheduled"},
    "format_in_person": {"ja": "会場", "en": "Venue"},
    "format_hybrid": {"ja": "ハイブリッド", "en": "Hybrid"},
    "format_online": {"ja": "オンライン", "en": "Online"},
    "role_organizer": {"ja": "主催", "en": "Organizer"},
    "role_co_host": {"ja": "共催", "en": "Co-host"},
    "role_supporter": {"ja": "後援", "en": "Supporter"},
    "role_sponsor": {"ja": "協賛", "en": "Sponsor"},
    "role_cooperator": {"ja": "協力", "en": "Cooperator"},
}

WEEKDAYS = {"ja": "月火水木金土日", "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]


def choose_language(request: Request, default: str) -> str:
    """`?lang=` wins, then the browser's Accept-Language, then the site default."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    best: tuple[float, str] | None = None
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if best is None or q > best[0]:
            best = (q, lang)
    return best[1] if best else default


def translate(key: str, lang: str, **values: str) -> str:
    text = MESSAGES.get(key, {}).get(lang) or key
    return text.format(**values) if values else text


def pick(ja: str, en: str, lang: str) -> str:
    """The text in the page's language, falling back to the other one."""
    return (en or ja) if lang == "en" else (ja or en)


def day(value: datetime, tz: ZoneInfo, lang: str) -> str:
    local = value.astimezone(tz)
    if lang == "ja":
        return f"{local.year}年{local.month}月{local.day}日({WEEKDAYS['ja'][local.weekday()]})"
    weekday, month_name = WEEKDAYS["en"][local.weekday()], MONTHS_EN[local.month - 1][:3]
    return f"{weekday} {local.day} {month_name} {local.year}"


def span(start: datetime, end: datetime, tz: ZoneInfo, lang: str) -> str:
    """A session's time range, the date once when it stays within one day."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return f"{day(a, tz, lang)} {a:%H:%M}–{b:%H:%M}"
    return f"{day(a, tz, lang)} {a:%H:%M} – {day(b, tz, lang)} {b:%H:%M}"


def date_range(start: datetime, end: datetime, tz: ZoneInfo, lang: str) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return day(a, tz, lang)
    return f"{day(a, tz, lang)} – {day(b, tz, lang)}"


def month(value: datetime, tz: ZoneInfo, lang: str) -> str:
    local = value.astimezone(tz)
    return f"{local.year}年{local.month}月" if lang == "ja" else (
        f"{MONTHS_EN[local.month - 1]} {local.year}")
