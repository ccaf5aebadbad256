"""The event editor's form: what it holds, as typed; the JSON the API takes made from it;
the API's errors, by path (`sessions[1].starts_at`), put back on the inputs they name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from events import vocabulary
from events.errors import FieldError
from events.inputs import BASIC_MEMBERSHIPS
from events.models import Event, Organization
from events.vocabulary import ATTENDANCE_MODES

TEXTS = ("title_ja", "title_en", "summary_ja", "summary_en", "description_ja",
         "description_en", "venue_name", "venue_name_en", "venue_address", "venue_address_en",
         "venue_map_url", "stream_url", "venue_capacity", "online_capacity", "opens_date",
         "opens_time", "closes_date", "closes_time", "contact_email", "status", "timezone",
         "series", "slug", "version")
SESSION_INPUTS = ("id", "start_date", "start_time", "end_date", "end_time", "format",
                  "title_ja", "title_en", "venue_name", "venue_address")
PARTNER_INPUTS = ("org", "role")
# A browser form beyond this many rows would pass Starlette's 1,000 form fields.
MAX_ROWS = 60
ROW_RE = re.compile(r"^([sp])-(\d{1,3})-([a-z_]+)$")


# ---- the form's values ------------------------------------------------------------------

@dataclass
class EventForm:
    """What the form holds, as typed: text inputs, checkboxes, session and partner rows."""

    texts: dict[str, str]
    date_tbd: bool = False
    share_registrants: bool = False
    membership: list[str] = field(default_factory=list)
    sessions: list[dict[str, str]] = field(default_factory=list)
    partners: list[dict[str, str]] = field(default_factory=list)
    # The input to focus after adding a row.
    focus: str = ""

    def get(self, name: str) -> str:
        return self.texts.get(name, "")

    def drop_blank_rows(self) -> None:
        """Rows left empty (a new form's first session, an added partner) are not sent."""
        self.sessions = [s for s in self.sessions if s["id"] or any(
            v.strip() for k, v in s.items() if k != "format")]
        self.partners = [p for p in self.partners if p["org"]]


def _local(moment: datetime | None, tz: ZoneInfo) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def form_of_event(event: Event) -> EventForm:
    """The saved event as the form shows it, times in the event's time zone."""
    tz = ZoneInfo(event.timezone)
    texts = {name: "" if getattr(event, name) is None else str(getattr(event, name))
             for name in TEXTS if hasattr(event, name)}
    for mode in ATTENDANCE_MODES:
        capacity = getattr(event, f"{mode}_capacity")
        texts[f"{mode}_capacity"] = "" if capacity is None else str(capacity)
    texts["opens_date"], texts["opens_time"] = _local(event.registration_opens_at, tz)
    texts["closes_date"], texts["closes_time"] = _local(event.registration_closes_at, tz)
    texts["series"] = event.series.slug if event.series else ""
    sessions = []
    for s in event.session_list:
        start_date, start_time = _local(s.starts_at, tz)
        end_date, end_time = _local(s.ends_at, tz)
        sessions.append({"id": str(s.id), "start_date": start_date, "start_time": start_time,
                         "end_date": "" if end_date == start_date else end_date,
                         "end_time": end_time, "format": s.format, "title_ja": s.title_ja,
                         "title_en": s.title_en, "venue_name": s.venue_name,
                         "venue_address": s.venue_address})
    partners = [{"org": p.organization.slug, "role": p.role} for p in sorted(
        [*event.partner_list, *event.pending_partners], key=lambda p: (p.position, p.id))]
    return EventForm(texts, date_tbd=event.date_tbd, share_registrants=event.share_registrants,
                     membership=[m for m in event.membership_choices.split(",") if m],
                     sessions=sessions, partners=partners)


def blank_form(default_timezone: str, own: Organization | None) -> EventForm:
    """A new event: one session row, the user's organization as its organizer."""
    return EventForm({"status": "draft", "timezone": default_timezone},
                     membership=list(BASIC_MEMBERSHIPS), sessions=[_new_session(None)],
                     partners=[{"org": own.slug, "role": "organizer"}] if own else [])


def _new_session(previous: dict[str, str] | None) -> dict[str, str]:
    """A row that starts on the previous row's day, in its format."""
    row = dict.fromkeys(SESSION_INPUTS, "")
    row["format"] = "in_person"
    if previous:
        row["start_date"], row["format"] = previous["start_date"], previous["format"]
    return row


def form_of_request(posted: FormData) -> EventForm:
    """The posted form, rows in the order of their numbers."""
    texts = {name: str(posted.get(name, ""))[:60_000] for name in TEXTS}
    rows: dict[str, dict[int, dict[str, str]]] = {"s": {}, "p": {}}
    for key, value in posted.multi_items():
        match = ROW_RE.match(key)
        if match and isinstance(value, str):
            kind, number, name = match.group(1), int(match.group(2)), match.group(3)
            if name in (SESSION_INPUTS if kind == "s" else PARTNER_INPUTS):
                rows[kind].setdefault(number, {})[name] = value[:1000]
    sessions = [{n: row.get(n, "") for n in SESSION_INPUTS}
                for _, row in sorted(rows["s"].items())][:MAX_ROWS]
    partners = [{n: row.get(n, "") for n in PARTNER_INPUTS}
                for _, row in sorted(rows["p"].items())][:MAX_ROWS]
    return EventForm(texts, date_tbd=posted.get("date_tbd") == "1",
                     share_registrants=posted.get("share_registrants") == "1",
                     membership=[str(m) for m in posted.getlist("membership")][:50],
                     sessions=sessions, partners=partners)


def apply_row_action(form: EventForm, action: str) -> bool:
    """Add or remove a session or partner row; False when `action` is none of these."""
    if action == "add_session" and len(form.sessions) < MAX_ROWS:
        form.sessions.append(_new_session(form.sessions[-1] if form.sessions else None))
        form.focus = f"s-{len(form.sessions) - 1}-start_date"
    elif action == "add_partner" and len(form.partners) < MAX_ROWS:
        form.partners.append({"org": "", "role": "co_host"})
        form.focus = f"p-{len(form.partners) - 1}-org"
    elif action.startswith(("remove_session-", "remove_partner-")):
        kind, _, number = action.partition("-")
        rows = form.sessions if kind == "remove_session" else form.partners
        if number.isdigit() and int(number) < len(rows):
            del rows[int(number)]
    else:
        return action in ("add_session", "add_partner")
    return True


# ---- the form as the API's JSON, and the API's errors as the form's -----------------------

def _pair(form: EventForm, name: str) -> dict[str, str | None]:
    return {lang: form.get(f"{name}_{lang}") or None for lang in vocabulary.LANGUAGES}


def _count(text: str) -> int | str | None:
    """Blank is unlimited; anything not a whole number goes on for the model to refuse."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _instant(day: str, time: str, name: str, problems: list[FieldError]) -> str | None:
    """A local date and time as the API reads them (in the event's time zone). Half of one
    is the form's own problem; the text sent then is invalid too, so nothing is saved."""
    day, time = day.strip(), time.strip()
    if not day and not time:
        return None
    if not day or not time:
        problems.append(FieldError.of(name, "date_and_time"))
    return f"{day}T{time}"


def payload(form: EventForm, event: Event | None) -> tuple[dict[str, Any], list[FieldError]]:
    """The JSON `create_event` (no `event`) or `update_event` takes, and problems only the
    form can have (half a date). Series and partners are sent when they change, so an
    unchanged relation keeps waiting for (or keeps) its consent as it is."""
    problems: list[FieldError] = []
    data: dict[str, Any] = {
        "title": _pair(form, "title"), "summary": _pair(form, "summary"),
        "description": _pair(form, "description"),
        "status": form.get("status"), "date_tbd": form.date_tbd,
        "timezone": form.get("timezone").strip() or None,
        "venue": {"name": form.get("venue_name"), "address": form.get("venue_address"),
                  "name_en": form.get("venue_name_en"),
                  "address_en": form.get("venue_address_en"),
                  "map_url": form.get("venue_map_url")},
        "stream_url": form.get("stream_url"),
        "capacity": {mode: _count(form.get(f"{mode}_capacity")) for mode in ATTENDANCE_MODES},
        "registration_opens_at": _instant(form.get("opens_date"), form.get("opens_time"),
                                          "registration_opens_at", problems),
        "registration_closes_at": _instant(form.get("closes_date"), form.get("closes_time"),
                                           "registration_closes_at", problems),
        "contact_email": form.get("contact_email"),
        "membership_choices": form.membership,
        "share_registrants": form.share_registrants,
    }
    if event is None:
        data["slug"] = form.get("slug")
    sessions = []
    for i, row in enumerate(form.sessions):
        session: dict[str, Any] = {
            "starts_at": _instant(row["start_date"], row["start_time"],
                                  f"sessions[{i}].starts_at", problems),
            "ends_at": _instant(row["end_date"] or row["start_date"], row["end_time"],
                                f"sessions[{i}].ends_at", problems),
            "format": row["format"],
            "title": {"ja": row["title_ja"] or None, "en": row["title_en"] or None},
            "venue": {"name": row["venue_name"], "address": row["venue_address"]},
        }
        if row["id"].isdigit():
            session["id"] = int(row["id"])
        sessions.append(session)
    data["sessions"] = sessions
    series = form.get("series") or None
    if event is None or series != (event.series.slug if event.series else None):
        data["series"] = series
    partners = [{"org": p["org"], "role": p["role"]} for p in form.partners]
    if event is None or partners != form_of_event(event).partners:
        data["partners"] = partners
    return data, problems


def input_of(path: str) -> str:
    """The input an error path names: sessions[1].ends_at is s-1-end_time."""
    head, _, rest = path.partition(".")
    row = re.match(r"^(sessions|partners|membership_choices)\[(\d+)\]$", head)
    if row and row.group(1) == "sessions":
        i, name = row.group(2), rest.split(".")[0]
        sub = rest.partition(".")[2] or ("ja" if name == "title" else "name")
        return f"s-{i}-" + {"starts_at": "start_date", "ends_at": "end_time",
                            "format": "format", "title": f"title_{sub}",
                            "venue": f"venue_{sub}"}.get(name, "start_date")
    if row and row.group(1) == "partners":
        return f"p-{row.group(2)}-{'role' if rest == 'role' else 'org'}"
    if row or head == "membership_choices":
        return "membership"
    if head in ("title", "summary", "description"):
        return f"{head}_{rest if rest in vocabulary.LANGUAGES else 'ja'}"
    if head == "venue":
        return {"": "venue_name", "name": "venue_name", "address": "venue_address"}.get(
            rest, f"venue_{rest}")
    if head == "capacity":
        return f"{rest if rest in ATTENDANCE_MODES else 'venue'}_capacity"
    if head in ("registration_opens_at", "registration_closes_at"):
        return "opens_date" if head == "registration_opens_at" else "closes_date"
    return head


def label_of(key: str, lang: str) -> str:
    """The input's label for the summary at the top: 'セッション 2: 開始日'."""
    row = ROW_RE.match(key)
    if row:
        kind, number, name = row.group(1), int(row.group(2)) + 1, row.group(3)
        prefix = "ev_session_n" if kind == "s" else "ev_partner_n"
        return vocabulary.translate(prefix, lang, n=number) + ": " + vocabulary.translate(
            f"ev_{'session' if kind == 's' else 'partner'}_{name}", lang)
    text = vocabulary.translate(f"ev_field_{key}", lang)
    return key if text.startswith("ev_field_") else text


@dataclass
class Problems:
    """Errors by input, and the summary list (input, label, message) in form order."""

    by_input: dict[str, str] = field(default_factory=dict)
    summary: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, key: str, message: str, lang: str) -> None:
        if key not in self.by_input:
            self.by_input[key] = message
            self.summary.append((key, label_of(key, lang), message))


def problems_of(errors: list[FieldError], own: list[FieldError], lang: str) -> Problems:
    """The form's own problems first (they explain the API's), one message per input."""
    found = Problems()
    for e in [*own, *errors]:
        found.add(input_of(e.field), e.text(lang), lang)
    return found
