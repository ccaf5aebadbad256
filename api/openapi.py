"""The OpenAPI 3.1 document: written by hand, checked against the routes by a test."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.security import CSRF_FIELD
from events.checkin import RESULT_STATUS
from events.models import EVENT_STATUSES, PARTNER_ROLES, SESSION_FORMATS

SLUG = {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$", "maxLength": 100}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
CHECKIN_RESULTS = list(RESULT_STATUS)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def text_pair(max_length: int) -> dict[str, Any]:
    return {
        "oneOf": [
            {"type": "string", "maxLength": max_length},
            {"type": "object", "additionalProperties": False,
             "properties": {"ja": {"type": ["string", "null"], "maxLength": max_length},
                            "en": {"type": ["string", "null"], "maxLength": max_length}}},
        ],
        "description": 'Text in Japanese and English; a plain string stands for both.',
    }


VENUE_IN = {"type": ["object", "null"], "additionalProperties": False,
            "properties": {"name": {"type": ["string", "null"], "maxLength": 300},
                           "address": {"type": ["string", "null"], "maxLength": 500}}}

SCHEMAS: dict[str, Any] = {
    "Text": {"type": "object", "required": ["ja", "en"],
             "properties": {"ja": {"type": "string"}, "en": {"type": "string"}}},
    "Venue": {"type": ["object", "null"], "required": ["name", "address"],
              "properties": {"name": {"type": "string"}, "address": {"type": "string"}}},
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "integer"}, "detail": {"type": "string"},
            "code": {"type": "string"},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        },
    },
    "Organization": {
        "type": "object", "required": ["slug", "name", "url", "api_url"],
        "properties": {"slug": {"type": "string"}, "name": ref("Text"),
                       "url": {"type": ["string", "null"]}, "api_url": {"type": "string"}},
    },
    "OrganizationIn": {
        "type": "object", "required": ["slug", "name"], "additionalProperties": False,
        "properties": {"slug": SLUG, "name": text_pair(300),
                       "url": {"type": ["string", "null"], "maxLength": 1000}},
    },
    "Series": {"type": "object", "required": ["slug", "name"],
               "properties": {"slug": {"type": "string"}, "name": ref("Text")}},
    "SeriesIn": {"type": "object", "required": ["slug", "name"], "additionalProperties": False,
                 "properties": {"slug": SLUG, "name": text_pair(300)}},
    "Session": {
        "type": "object", "required": ["id", "title", "starts_at", "ends_at", "format", "venue"],
        "properties": {
            "id": {"type": "integer"}, "title": ref("Text"),
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "format": {"enum": list(SESSION_FORMATS)}, "venue": ref("Venue"),
        },
    },
    "Partner": {"type": "object", "required": ["org", "name", "role"],
                "properties": {"org": {"type": "string"}, "name": ref("Text"),
                               "role": {"enum": list(PARTNER_ROLES)}}},
    "Capacity": {"type": "object", "required": ["venue", "online"],
                 "properties": {"venue": {"type": ["integer", "null"], "minimum": 0},
                                "online": {"type": ["integer", "null"], "minimum": 0}}},
    "Event": {
        "type": "object",
        "required": ["slug", "title", "summary", "description", "series", "status", "date_tbd",
                     "timezone", "starts_at", "ends_at", "format", "attendance_modes", "venue",
                     "capacity", "registration_opens_at", "registration_closes_at",
                     "revision", "sessions", "partners", "owner", "url", "api_url",
                     "updated_at"],
        "properties": {
            "slug": {"type": "string"}, "title": ref("Text"), "summary": ref("Text"),
            "description": ref("Text"),
            "series": {"oneOf": [ref("Series"), {"type": "null"}]},
            "status": {"enum": list(EVENT_STATUSES)}, "date_tbd": {"type": "boolean"},
            "timezone": {"type": "string"},
            "starts_at": NULLABLE_TIME, "ends_at": NULLABLE_TIME,
            "format": {"enum": [*SESSION_FORMATS, None]},
            "attendance_modes": {"type": "array", "items": {"enum": ["venue", "online"]}},
            "venue": ref("Venue"), "capacity": ref("Capacity"),
            "registration_opens_at": NULLABLE_TIME, "registration_closes_at": NULLABLE_TIME,
            "revision": {"type": "integer"},
            "registrations": {"type": "object", "description": "Seats per attendance mode",
                              "properties": {m: ref("Seats") for m in ("venue", "online")}},
            "sessions": {"type": "array", "items": ref("Session")},
            "partners": {"type": "array", "items": ref("Partner")},
            "owner": {"type": ["string", "null"]},
            "url": {"type": "string"}, "api_url": {"type": "string"},
            "updated_at": {"type": "string", "format": "date-time"},
            "stream_url": {"type": ["string", "null"],
                           "description": "Only for the event's managers."},
        },
    },
    "Seats": {"type": "object", "required": ["capacity", "confirmed", "waitlisted", "left"],
              "properties": {"capacity": {"type": ["integer", "null"]},
                             "confirmed": {"type": "integer"},
                             "waitlisted": {"type": "integer"},
                             "left": {"type": ["integer", "null"]}}},
    "EventPage": {"type": "object", "required": ["items", "next_cursor"],
                  "properties": {"items": {"type": "array", "items": ref("Event")},
                                 "next_cursor": {"type": ["string", "null"]}}},
    "SessionIn": {
        "type": "object", "required": ["starts_at", "ends_at", "format"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": ["integer", "null"],
                   "description": "Keep an existing session (and its calendar UID)."},
            "title": text_pair(300),
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "format": {"enum": list(SESSION_FORMATS)}, "venue": VENUE_IN,
        },
    },
    "EventIn": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "slug": SLUG, "title": text_pair(300), "summary": text_pair(5000),
            "description": text_pair(50000), "series": {"type": ["string", "null"]},
            "status": {"enum": list(EVENT_STATUSES)}, "date_tbd": {"type": "boolean"},
            "timezone": {"type": "string", "examples": ["Asia/Tokyo"]},
            "venue": VENUE_IN,
            "stream_url": {"type": ["string", "null"], "format": "uri"},
            "capacity": {"type": ["object", "null"], "additionalProperties": False,
                         "properties": {"venue": {"type": ["integer", "null"], "minimum": 0},
                                        "online": {"type": ["integer", "null"], "minimum": 0}}},
            "registration_opens_at": NULLABLE_TIME, "registration_closes_at": NULLABLE_TIME,
            "sessions": {"type": "array", "items": ref("SessionIn"), "maxItems": 200},
            "partners": {"type": "array", "maxItems": 50, "items": {
                "type": "object", "required": ["org", "role"], "additionalProperties": False,
                "properties": {"org": {"type": "string"}, "role": {"enum": list(PARTNER_ROLES)}}}},
        },
    },
    "Health": {"type": "object", "required": ["status"],
               "properties": {"status": {"type": "string"}, "database": {"type": "string"}}},
    "RegistrationIn": {
        "type": "object", "required": ["name", "email"], "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "name_kana": {"type": ["string", "null"], "maxLength": 200,
                          "description": "Reading of the name, in kana."},
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "affiliation": {"type": ["string", "null"], "maxLength": 300},
            "membership": {"type": ["string", "null"],
                           "description": "none, member, oic_member or an organization slug"},
            "attendance": {"enum": ["venue", "online"],
                           "description": "Default: the only mode the event offers."},
            "locale": {"enum": ["ja", "en"]},
            "consent": {"type": "boolean"},
        },
    },
    "Ticket": {"type": "object", "required": ["code", "url"],
               "properties": {"code": {"type": "string", "maxLength": 100},
                              "url": {"type": "string"}, "qr_png": {"type": "string"},
                              "qr_svg": {"type": "string"}, "ics": {"type": "string"}}},
    "Registration": {
        "type": "object",
        "required": ["id", "status", "attendance", "waitlist_position", "ticket", "manage_url"],
        "properties": {
            "id": {"type": "integer"}, "event": {"type": "string"},
            "status": {"enum": ["confirmed", "waitlisted", "cancelled"]},
            "attendance": {"enum": ["venue", "online"]},
            "waitlist_position": {"type": ["integer", "null"], "minimum": 1},
            "ticket": ref("Ticket"), "manage_url": {"type": "string"},
            "token": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "name": {"type": "string"}, "name_kana": {"type": "string"},
            "email": {"type": "string"}, "affiliation": {"type": "string"},
            "membership": {"type": "string"}, "locale": {"type": "string"},
            "checked_in": {"type": "boolean"}, "checked_in_at": NULLABLE_TIME,
            "cancelled_at": NULLABLE_TIME,
        },
    },
    "RegistrationPage": {"type": "object", "required": ["items", "next_cursor"],
                         "properties": {"items": {"type": "array", "items": ref("Registration")},
                                        "next_cursor": {"type": ["string", "null"]}}},
    "PublicKey": {"type": "object", "required": ["algorithm", "key_id", "public_key"],
                  "properties": {"algorithm": {"const": "Ed25519"}, "key_id": {"type": "string"},
                                 "public_key": {"type": "string"}, "format": {"type": "string"},
                                 "code_format": {"type": "string"}}},
    "CheckinIn": {
        "type": "object", "additionalProperties": False,
        "description": "One scan: a ticket code, or a registration id for the manual fallback.",
        "properties": {
            "code": {"type": "string", "maxLength": 2000, "description": "The ticket QR's text"},
            "registration_id": {"type": "integer", "minimum": 1,
                                "description": "Ticket number, instead of a code"},
            "session": {"type": ["integer", "null"],
                        "description": "A venue session of the event (default: today's)"},
            "gate": {"type": ["string", "null"], "maxLength": 100},
            "nonce": {"type": ["string", "null"], "maxLength": 100,
                      "description": "The client's id for this scan: a retry returns the "
                                     "original answer"},
            "scanned_at": {**NULLABLE_TIME,
                           "description": "When an offline scan was made; its day and "
                                          "order come from this time"},
            "offline_result": {"enum": [*CHECKIN_RESULTS, None],
                               "description": "What the offline device showed; an entry it "
                                              "refused admits nobody"},
        },
    },
    "Entry": {"type": ["object", "null"], "required": ["at", "gate"],
              "properties": {"at": {"type": "string", "format": "date-time"},
                             "gate": {"type": "string"},
                             "session": {"type": ["integer", "null"]}}},
    "Attendee": {
        "type": ["object", "null"],
        "required": ["id", "name", "name_kana", "affiliation", "attendance", "status"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                       "name_kana": {"type": "string"}, "affiliation": {"type": "string"},
                       "attendance": {"enum": ["venue", "online"]},
                       "status": {"enum": ["confirmed", "waitlisted", "cancelled"]}},
    },
    "Checkin": {
        "type": "object",
        "required": ["result", "status", "detail", "offline", "scanned_at", "day", "gate",
                     "registration", "first_entry"],
        "description": "The answer to a scan. Refusals are problem+json with these members "
                       "and `code` equal to `result`.",
        "properties": {
            "result": {"enum": CHECKIN_RESULTS}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "offline": {"type": "boolean"},
            "scanned_at": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "session": {"type": ["integer", "null"]}, "gate": {"type": "string"},
            "nonce": {"type": ["string", "null"]},
            "registration": ref("Attendee"), "first_entry": ref("Entry"),
            "duplicate_of": ref("Entry"),
            "offline_result": {"enum": CHECKIN_RESULTS},
        },
    },
    "CheckinSearch": {"type": "object", "required": ["items"], "properties": {"items": {
        "type": "array", "items": {"allOf": [ref("Attendee"), {
            "type": "object", "properties": {
                "email_hint": {"type": "string"},
                "entered_days": {"type": "array", "items": {"type": "string",
                                                            "format": "date"}}}}]}}}},
    "CheckinStats": {
        "type": "object",
        "required": ["registered", "checked_in", "attendance", "days", "scans", "duplicates"],
        "properties": {
            "event": {"type": "string"},
            "registered": {"type": "integer", "description": "Confirmed registrations"},
            "checked_in": {"type": "integer", "description": "Registrations that entered"},
            "attendance": {"type": "object", "additionalProperties": {
                "type": "object", "properties": {k: {"type": "integer"} for k in (
                    "registered", "waitlisted", "cancelled", "checked_in")}}},
            "days": {"type": "array", "items": {"type": "object", "properties": {
                "day": {"type": "string", "format": "date"},
                "sessions": {"type": "array", "items": {"type": "integer"}},
                "checked_in": {"type": "integer"}}}},
            "scans": {"type": "object", "properties": {
                "total": {"type": "integer"}, "offline": {"type": "integer"},
                "results": {"type": "object", "additionalProperties": {"type": "integer"}}}},
            "duplicates": {"type": "integer",
                           "description": "Offline entries that collided with another entry"},
            "duplicate_scans": {"type": "array", "items": {"type": "object"}},
        },
    },
    "OfflineKit": {
        "type": "object",
        "required": ["event", "key", "generated_at", "days", "revoked", "entered", "names"],
        "properties": {
            "event": {"type": "object", "properties": {
                "id": {"type": "integer"}, "slug": {"type": "string"}, "title": ref("Text"),
                "timezone": {"type": "string"}}},
            "key": ref("PublicKey"),
            "generated_at": {"type": "string", "format": "date-time"},
            "days": {"type": "array", "items": {"type": "object", "properties": {
                "day": {"type": "string", "format": "date"},
                "sessions": {"type": "array", "items": {"type": "object"}}}}},
            "revoked": {"type": "object", "description": "Registration ids by reason",
                        "properties": {k: {"type": "array", "items": {"type": "integer"}}
                                       for k in ("cancelled", "waitlisted", "online_only")}},
            "entered": {"type": "object", "description": "Per day: [id, time, gate] entries",
                        "additionalProperties": {"type": "array"}},
            "names": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "Registration id -> name, confirmed venue attendees "
                                     "only (to greet them offline)"},
        },
    },
}


def problems(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "Problem", "content": {
        "application/problem+json": {"schema": ref("Problem")}}} for s in statuses}


def ok(schema: str, status: int = 200, description: str = "OK") -> dict[str, Any]:
    return {str(status): {"description": description,
                          "content": {"application/json": {"schema": ref(schema)}}}}


def body(schema: str, required: list[str] | None = None) -> dict[str, Any]:
    s: dict[str, Any] = ref(schema)
    if required:
        s = {"allOf": [ref(schema), {"required": required}]}
    return {"required": True, "content": {"application/json": {"schema": s}}}


def query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def path_slug(what: str) -> dict[str, Any]:
    return {"name": "slug", "in": "path", "required": True, "description": f"{what} slug",
            "schema": {"type": "string"}}


SECURED = [{"bearer": []}]
REGISTRATION_ID = {"name": "id", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
TOKEN = {"name": "token", "in": "query", "required": True,
         "description": "the secret token from the ticket link", "schema": {"type": "string"}}

def calendar_feed(summary: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    """A public iCalendar feed: text/calendar, conditional GET, short text errors."""
    plain = {"text/plain": {"schema": {"type": "string"}}}
    return {"get": {
        "summary": summary,
        "description": "One VEVENT per session; UIDs never change and SEQUENCE follows the "
                       "event's revision. Supports If-None-Match and If-Modified-Since.",
        "parameters": [
            *parameters,
            query("lang", "language of the texts (default: the site's)", enum=["ja", "en"]),
            query("format", "only sessions in_person, hybrid or online (comma-separated)"),
        ],
        "responses": {
            "200": {"description": "The calendar",
                    "headers": {"ETag": {"schema": {"type": "string"}},
                                "Last-Modified": {"schema": {"type": "string"}},
                                "Cache-Control": {"schema": {"type": "string"}}},
                    "content": {"text/calendar": {"schema": {"type": "string"}}}},
            "304": {"description": "Not modified since the client's copy"},
            "404": {"description": "No such organization, series or event", "content": plain},
            "422": {"description": "A filter is invalid", "content": plain},
        },
    }}


def html_page(summary: str, *parameters: dict[str, Any],
              errors: tuple[int, ...] = ()) -> dict[str, Any]:
    """A public page: HTML in Japanese or English, errors as HTML pages too."""
    html = {"text/html": {"schema": {"type": "string"}}}
    return {"get": {
        "summary": summary,
        "parameters": [*parameters, query("lang", "page language (default: Accept-Language, "
                                          "then the site's)", type="string")],
        "responses": {"200": {"description": "The page", "content": html},
                      **{str(s): {"description": "Error page", "content": html}
                         for s in errors}},
    }}


TICKET_TOKEN = {"name": "token", "in": "path", "required": True,
                "description": "the secret token from the ticket link",
                "schema": {"type": "string"}}
HTML = {"text/html": {"schema": {"type": "string"}}}


def form_post(summary: str, *parameters: dict[str, Any], fields: tuple[str, ...] = (),
              errors: tuple[int, ...] = ()) -> dict[str, Any]:
    """A browser form: urlencoded fields with the CSRF token; success redirects (303)."""
    schema = {"type": "object", "properties": {f: {"type": "string"}
                                               for f in (CSRF_FIELD, *fields)}}
    return {"post": {
        "summary": summary,
        "parameters": list(parameters),
        "requestBody": {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": schema}}},
        "responses": {"303": {"description": "Done: on to the ticket page",
                              "headers": {"Location": {"schema": {"type": "string"}}}},
                      **{str(s): {"description": "The form again, or an error page",
                                  "content": HTML} for s in errors}},
    }}


def ticket_file(summary: str, media_type: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": [TICKET_TOKEN], "responses": {
        "200": {"description": summary, "content": {media_type: {"schema": {"type": "string"}}}},
        "404": {"description": "No such ticket", "content": HTML}}}}


PATHS: dict[str, Any] = {
    "/": html_page("Upcoming events by month, undated events, past events"),
    "/events/{slug}": html_page("One event: sessions, partners, schema.org JSON-LD",
                                path_slug("event"), errors=(404,)),
    "/events/{slug}/register": {
        **html_page("The registration form", path_slug("event"), errors=(404,)),
        **form_post("Register from the form", path_slug("event"),
                    fields=("name", "name_kana", "email", "affiliation", "membership",
                            "attendance", "locale", "consent"), errors=(403, 404, 409, 422)),
    },
    "/tickets/{token}": html_page("The attendee's ticket: QR code, status, changes",
                                  TICKET_TOKEN, errors=(404,)),
    "/tickets/{token}/qr.png": ticket_file("The ticket's QR code", "image/png"),
    "/tickets/{token}/qr.svg": ticket_file("The ticket's QR code", "image/svg+xml"),
    "/tickets/{token}.ics": {"get": {
        "summary": "The attendee's own calendar (with the stream link when online)",
        "parameters": [TICKET_TOKEN, query("lang", "language of the texts", enum=["ja", "en"])],
        "responses": {
            "200": {"description": "The calendar",
                    "content": {"text/calendar": {"schema": {"type": "string"}}}},
            "304": {"description": "Not modified since the client's copy"},
            "404": {"description": "No such ticket",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/tickets/{token}/attendance": form_post("Switch attendance mode from the ticket page",
                                             TICKET_TOKEN, fields=("attendance",),
                                             errors=(403, 404)),
    "/tickets/{token}/cancel": {
        **html_page("Confirm cancelling", TICKET_TOKEN, errors=(404,)),
        **form_post("Cancel the registration", TICKET_TOKEN, errors=(403, 404)),
    },
    "/checkin/{slug}": html_page("The staff's check-in scanner (unlocked with a checkin key)",
                                 path_slug("event"), errors=(404,)),
    "/checkin/sw.js": {"get": {
        "summary": "The scanner's service worker: keeps the page for offline reloads",
        "responses": {"200": {"description": "JavaScript", "content": {
            "text/javascript": {"schema": {"type": "string"}}}}}}},
    "/healthz": {"get": {"summary": "Health check (database included)",
                         "responses": {**ok("Health"), "503": {
                             "description": "Database unavailable",
                             "content": {"application/json": {"schema": ref("Health")}}}}}},
    "/api/openapi.json": {"get": {"summary": "This document", "responses": {
        "200": {"description": "OpenAPI document",
                "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    "/api/v1/events": {
        "get": {
            "summary": "Public events, soonest first, undated last",
            "parameters": [
                query("from", "events ending on or after this date", type="string",
                      format="date"),
                query("to", "events starting on or before this date", type="string",
                      format="date"),
                query("q", "text in either language"),
                query("org", "organization slug (any role)"),
                query("role", "partner role(s), comma-separated"),
                query("series", "series slug"),
                query("format", "in_person, hybrid or online (event or any session)"),
                query("status", "status(es), comma-separated"),
                query("limit", "page size, 1-100 (default 20)", type="integer", minimum=1,
                      maximum=100),
                query("cursor", "next_cursor from the previous page"),
            ],
            "responses": {**ok("EventPage"), **problems(422)},
        },
        "post": {
            "summary": "Create an event (admin, or organizer of the first organizer partner)",
            "security": SECURED,
            "requestBody": body("EventIn", ["slug", "title"]),
            "responses": {**ok("Event", 201, "Created"), **problems(401, 403, 409, 422)},
        },
    },
    "/api/v1/events/{slug}": {
        "parameters": [path_slug("event")],
        "get": {"summary": "One event with sessions and partners",
                "responses": {**ok("Event"), **problems(401, 404)}},
        "patch": {"summary": "Change an event; `sessions` and `partners` replace the lists",
                  "security": SECURED, "requestBody": body("EventIn"),
                  "responses": {**ok("Event"), **problems(401, 403, 404, 409, 422)}},
    },
    "/api/v1/events/{slug}/registrations": {
        "parameters": [path_slug("event")],
        "post": {"summary": "Register (public): confirmed, or waitlisted with a position",
                 "requestBody": body("RegistrationIn"),
                 "responses": {**ok("Registration", 201, "Registered"),
                               **problems(404, 409, 422)}},
        "get": {"summary": "The event's registrations (admin or the event's organizer)",
                "security": SECURED,
                "parameters": [
                    query("status", "confirmed, waitlisted or cancelled"),
                    query("attendance", "venue or online"),
                    query("q", "name, kana, email or affiliation"),
                    query("limit", "page size, 1-500 (default 50)", type="integer", minimum=1,
                          maximum=500),
                    query("cursor", "next_cursor from the previous page"),
                ],
                "responses": {**ok("RegistrationPage"), **problems(401, 403, 404, 422)}},
    },
    "/api/v1/events/{slug}/registrations.csv": {
        "parameters": [path_slug("event")],
        "get": {"summary": "Registrations as CSV (UTF-8 with BOM, formula-safe cells)",
                "security": SECURED,
                "responses": {"200": {"description": "CSV", "content": {
                    "text/csv": {"schema": {"type": "string"}}}}, **problems(401, 403, 404)}},
    },
    "/api/v1/registrations/{id}": {
        "parameters": [REGISTRATION_ID, TOKEN],
        "get": {"summary": "The attendee's registration (proven by its token)",
                "responses": {**ok("Registration"), **problems(404, 422)}},
    },
    "/api/v1/registrations/{id}/cancel": {
        "parameters": [REGISTRATION_ID, TOKEN],
        "post": {"summary": "Cancel (idempotent); the waiting list is promoted",
                 "responses": {**ok("Registration"), **problems(404, 422)}},
    },
    "/api/v1/registrations/{id}/attendance": {
        "parameters": [REGISTRATION_ID, TOKEN],
        "post": {"summary": "Switch attendance mode; queued when that mode is full",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["attendance"],
                     "properties": {"attendance": {"enum": ["venue", "online"]}}}}}},
                 "responses": {**ok("Registration"), **problems(404, 409, 422)}},
    },
    "/api/v1/tickets/public-key": {
        "get": {"summary": "The Ed25519 public key that verifies ticket codes offline",
                "responses": ok("PublicKey")},
    },
    "/api/v1/events/{slug}/checkins": {
        "parameters": [path_slug("event")],
        "post": {
            "summary": "Check in at the door (checkin key of the event, its organizer, admin)",
            "description": "Every scan is kept. 200 `checked_in`; 409 `already_checked_in` "
                           "(with the first entry), `duplicate`, `cancelled`, `waitlisted`, "
                           "`online_only`, `wrong_day`; 422 `wrong_event`, `invalid`. One "
                           "entry per registration and session day. The same `nonce` again "
                           "returns the original answer with `Idempotent-Replayed: true`.",
            "security": SECURED, "requestBody": body("CheckinIn"),
            "responses": {**ok("Checkin", description="Checked in"),
                          **problems(401, 403, 404, 409, 422)},
        },
    },
    "/api/v1/events/{slug}/checkins/search": {
        "parameters": [path_slug("event")],
        "get": {"summary": "Find an attendee for a manual check-in",
                "security": SECURED,
                "parameters": [query("q", "name, kana, email, ticket number or ticket code")],
                "responses": {**ok("CheckinSearch"), **problems(401, 403, 404, 422)}},
    },
    "/api/v1/events/{slug}/checkins/stats": {
        "parameters": [path_slug("event")],
        "get": {"summary": "Registered and checked in, per attendance mode and session day",
                "security": SECURED,
                "responses": {**ok("CheckinStats"), **problems(401, 403, 404)}},
    },
    "/api/v1/events/{slug}/checkins/offline-kit": {
        "parameters": [path_slug("event")],
        "get": {"summary": "What an offline scanner needs: key, days, revoked tickets, names",
                "security": SECURED,
                "responses": {**ok("OfflineKit"), **problems(401, 403, 404)}},
    },
    "/api/v1/events/{slug}/checkins/setup-qr.png": {
        "parameters": [path_slug("event")],
        "get": {"summary": "A QR code that opens the scanner page unlocked with this key",
                "security": SECURED,
                "responses": {"200": {"description": "PNG of /checkin/{slug}#key=…",
                                      "content": {"image/png": {"schema": {"type": "string"}}}},
                              **problems(401, 403, 404)}},
    },
    "/api/v1/organizations": {
        "get": {"summary": "All organizations", "responses": {"200": {
            "description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": ref("Organization")}}}}}}}},
        "post": {"summary": "Create an organization (admin)", "security": SECURED,
                 "requestBody": body("OrganizationIn"),
                 "responses": {**ok("Organization", 201, "Created"),
                               **problems(401, 403, 409, 422)}},
    },
    "/api/v1/organizations/{slug}": {
        "parameters": [path_slug("organization")],
        "get": {"summary": "One organization",
                "responses": {**ok("Organization"), **problems(404)}},
    },
    "/api/v1/series": {
        "get": {"summary": "All series", "responses": {"200": {
            "description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": ref("Series")}}}}}}}},
        "post": {"summary": "Create a series (admin)", "security": SECURED,
                 "requestBody": body("SeriesIn"),
                 "responses": {**ok("Series", 201, "Created"), **problems(401, 403, 409, 422)}},
    },
    "/api/v1/series/{slug}": {
        "parameters": [path_slug("series")],
        "get": {"summary": "One series", "responses": {**ok("Series"), **problems(404)}},
    },
    "/feeds/events.ics": calendar_feed("Calendar feed of all public events"),
    "/feeds/orgs/{slug}.ics": calendar_feed(
        "Calendar feed of the events in which an organization has a role",
        path_slug("organization"), query("role", "only these roles, e.g. co_host,supporter")),
    "/feeds/series/{slug}.ics": calendar_feed("Calendar feed of one series",
                                              path_slug("series")),
    "/events/{slug}.ics": calendar_feed("One event's calendar (the page's add to calendar)",
                                        path_slug("event")),
}


# ---- mail: the outbox as organizers see it, broadcasts, the unsubscribe link -------------

MESSAGE_STATUSES = ["pending", "sending", "sent", "failed", "skipped"]
AUDIENCES = ["all", "venue", "online", "checked_in", "not_checked_in", "waitlisted"]
MAIL_PREVIEW = {"type": "object", "required": ["subject", "text", "html"],
                "properties": {"subject": {"type": "string"}, "text": {"type": "string"},
                               "html": {"type": "string"}}}
SCHEMAS.update({
    "Message": {
        "type": "object",
        "required": ["id", "purpose", "status", "registration", "attempts", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "purpose": {"enum": ["confirmed", "waitlisted", "promoted", "attendance_changed",
                                 "cancelled", "event_changed", "event_cancelled", "reminder",
                                 "broadcast"]},
            "revision": {"type": "integer"}, "status": {"enum": MESSAGE_STATUSES},
            "registration": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "email": {"type": "string"}, "locale": {"type": "string"}}},
            "attempts": {"type": "integer"},
            "last_error": {"type": ["string", "null"],
                           "description": "The reason of the last failure, e.g. the "
                                          "server's 550 reply."},
            "next_attempt_at": NULLABLE_TIME,
            "message_id": {"type": ["string", "null"]},
            "broadcast": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"}, "sent_at": NULLABLE_TIME,
        },
    },
    "MessagePage": {
        "type": "object", "required": ["items", "next_cursor", "counts"],
        "properties": {"items": {"type": "array", "items": ref("Message")},
                       "next_cursor": {"type": ["string", "null"]},
                       "counts": {"type": "object", "description": "Messages per status",
                                  "additionalProperties": {"type": "integer"}}},
    },
    "BroadcastIn": {
        "type": "object", "required": ["subject", "body"], "additionalProperties": False,
        "properties": {
            "subject": text_pair(150), "body": text_pair(20000),
            "audience": {"enum": AUDIENCES, "description": "Default: all (confirmed and "
                         "waitlisted). Unsubscribed registrations are always left out."},
            "dry_run": {"type": "boolean",
                        "description": "Only count the audience and render the message."},
        },
    },
    "Broadcast": {
        "type": "object", "required": ["audience", "count", "preview"],
        "properties": {
            "id": {"type": "integer"}, "audience": {"enum": AUDIENCES},
            "count": {"type": "integer", "description": "Recipients"},
            "dry_run": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "preview": {"type": "object", "required": ["ja", "en"],
                        "properties": {"ja": MAIL_PREVIEW, "en": MAIL_PREVIEW}},
        },
    },
})
UNSUBSCRIBE_PARAMETERS = [
    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
    {"name": "token", "in": "path", "required": True, "schema": {"type": "string"},
     "description": "From the List-Unsubscribe header of a broadcast"},
]
HTML_PAGE = {"text/html": {"schema": {"type": "string"}}}
PATHS.update({
    "/api/v1/events/{slug}/messages": {
        "parameters": [path_slug("event")],
        "get": {"summary": "The event's mail, newest first (admin or the event's organizer)",
                "security": SECURED,
                "parameters": [
                    query("status", "pending, sending, sent, failed or skipped"),
                    query("purpose", "confirmed, waitlisted, promoted, attendance_changed, "
                                     "cancelled, event_changed, event_cancelled, reminder, "
                                     "broadcast"),
                    query("limit", "page size, 1-500 (default 50)", type="integer", minimum=1,
                          maximum=500),
                    query("cursor", "next_cursor from the previous page"),
                ],
                "responses": {**ok("MessagePage"), **problems(401, 403, 404, 422)}},
    },
    "/api/v1/events/{slug}/messages/{id}/retry": {
        "parameters": [path_slug("event"), {"name": "id", "in": "path", "required": True,
                                            "schema": {"type": "integer"}}],
        "post": {"summary": "Send a failed or skipped message again, now",
                 "security": SECURED,
                 "responses": {**ok("Message"), **problems(401, 403, 404, 409)}},
    },
    "/api/v1/events/{slug}/broadcasts": {
        "parameters": [path_slug("event")],
        "post": {"summary": "Mail the audience; with dry_run, only count and preview",
                 "description": "Each recipient reads the message in their language (a "
                                "plain string is used for both). Sent messages carry "
                                "List-Unsubscribe.",
                 "security": SECURED, "requestBody": body("BroadcastIn"),
                 "responses": {**ok("Broadcast", description="Dry run: count and preview"),
                               **ok("Broadcast", 201, "Queued for every recipient"),
                               **problems(401, 403, 404, 422)}},
    },
    "/unsubscribe/{id}/{token}": {
        "parameters": UNSUBSCRIBE_PARAMETERS,
        "get": {"summary": "Page asking to stop an event's announcements (changes nothing)",
                "responses": {"200": {"description": "The page", "content": HTML_PAGE},
                              "404": {"description": "Unknown link", "content": HTML_PAGE}}},
        "post": {"summary": "Stop announcements (RFC 8058 one-click; idempotent)",
                 "responses": {"200": {"description": "Done", "content": HTML_PAGE},
                               "404": {"description": "Unknown link", "content": HTML_PAGE}}},
    },
})

def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "kaigi API", "version": "1",
                 "description": "Events, sessions, partners and (later) registrations. "
                                "Errors are RFC 9457 problem+json."},
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "kaigi API key"}},
        },
    }


async def endpoint(request: Request) -> JSONResponse:
    return JSONResponse(document())
