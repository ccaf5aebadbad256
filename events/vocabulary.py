"""kaigi's vocabulary, in both languages: one place for every word the domain uses.

The values the data model accepts (formats, attendance modes, roles, statuses), which
sessions each attendance mode takes part in, the languages and the default time zone,
how dates are written, and the bilingual message catalogue used by the pages, the mail,
the calendar feeds and the check-in scanner. Pure data and functions: no database, no
HTTP (nothing from starlette or `api` may be imported here), so every layer can use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

# Each closed set of values is written once, as a Literal type that pydantic models and
# mypy both understand; the tuple of its values is derived from it.
Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE = "ja"
DEFAULT_TIMEZONE = "Asia/Tokyo"

# ---- the values the data model accepts -------------------------------------------------------

EventStatus = Literal["draft", "tentative", "scheduled", "postponed", "cancelled"]
SessionFormat = Literal["in_person", "hybrid", "online"]
PartnerRole = Literal["organizer", "co_host", "supporter", "sponsor", "cooperator"]
AttendanceMode = Literal["venue", "online"]
RegistrationStatus = Literal["confirmed", "unconfirmed", "waitlisted", "cancelled"]
MessageStatus = Literal["pending", "sending", "sent", "failed", "skipped"]
KeyRole = Literal["admin", "organizer", "checkin", "partner"]

EVENT_STATUSES: tuple[EventStatus, ...] = get_args(EventStatus)
SESSION_FORMATS: tuple[SessionFormat, ...] = get_args(SessionFormat)
PARTNER_ROLES: tuple[PartnerRole, ...] = get_args(PartnerRole)
ATTENDANCE_MODES: tuple[AttendanceMode, ...] = get_args(AttendanceMode)
REGISTRATION_STATUSES: tuple[RegistrationStatus, ...] = get_args(RegistrationStatus)
MESSAGE_STATUSES: tuple[MessageStatus, ...] = get_args(MessageStatus)
KEY_ROLES: tuple[KeyRole, ...] = get_args(KeyRole)

# ---- formats and attendance modes ------------------------------------------------------------

# The sessions each attendance mode takes part in: a hybrid session has both audiences.
MODE_FORMATS: dict[str, frozenset[str]] = {
    "venue": frozenset({"in_person", "hybrid"}),
    "online": frozenset({"hybrid", "online"}),
}


def formats_for_mode(mode: str) -> frozenset[str]:
    """The session formats an attendee of `mode` takes part in (none for an unknown mode)."""
    return MODE_FORMATS.get(mode, frozenset())


def modes_for_formats(formats: Iterable[str]) -> list[str]:
    """The ways to attend that sessions of `formats` offer, in ATTENDANCE_MODES order."""
    offered = frozenset(formats)
    return [mode for mode in ATTENDANCE_MODES if offered & MODE_FORMATS[mode]]


def serves_venue(session_format: str) -> bool:
    """Whether a session of this format has an audience at the venue."""
    return session_format in MODE_FORMATS["venue"]


def serves_online(session_format: str) -> bool:
    """Whether a session of this format is streamed to an online audience."""
    return session_format in MODE_FORMATS["online"]


# ---- text in either language -------------------------------------------------------------------

def pick(ja: str, en: str, lang: str) -> str:
    """The text in `lang`, falling back to the other language."""
    return (en or ja) if lang == "en" else (ja or en)


def translate(key: str, lang: str, **values: object) -> str:
    """The catalogue's text for `key` in `lang`, `{name}` fields filled from `values`.

    An unknown key shows itself, so a missing message is visible rather than an error.
    """
    text = MESSAGES.get(key, {}).get(lang) or key
    return text.format(**values) if values else text


# ---- dates ---------------------------------------------------------------------------------------

WEEKDAYS = {"ja": "月火水木金土日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


def day(value: datetime, tz: ZoneInfo, lang: str) -> str:
    """2025年2月3日(月) / Mon 3 Feb 2025: pages and mail write a day the same way."""
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
    """The days an event covers, without times."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return day(a, tz, lang)
    return f"{day(a, tz, lang)} – {day(b, tz, lang)}"


def month(value: datetime, tz: ZoneInfo, lang: str) -> str:
    """2025年2月 / February 2025: in a month heading the name is written out in full."""
    local = value.astimezone(tz)
    return f"{local.year}年{local.month}月" if lang == "ja" else (
        f"{MONTHS_EN[local.month - 1]} {local.year}")


# ---- the message catalogue -------------------------------------------------------------------
#
# key -> {"ja": ..., "en": ...}. Each word is defined once. The labels of the values above
# follow one pattern, event_status_<status>, registration_status_<status>, format_<format>,
# role_<role> and attendance_<mode>; a test checks that all of them exist in both languages.

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
    # Labels of the data model's values
    "event_status_draft": {"ja": "下書き", "en": "Draft"},
    "event_status_tentative": {"ja": "仮予定", "en": "Tentative"},
    "event_status_scheduled": {"ja": "開催予定", "en": "Scheduled"},
    "event_status_postponed": {"ja": "延期", "en": "Postponed"},
    "event_status_cancelled": {"ja": "中止", "en": "Cancelled"},
    "format_in_person": {"ja": "会場", "en": "Venue"},
    "format_hybrid": {"ja": "ハイブリッド", "en": "Hybrid"},
    "format_online": {"ja": "オンライン", "en": "Online"},
    "role_organizer": {"ja": "主催", "en": "Organizer"},
    "role_co_host": {"ja": "共催", "en": "Co-host"},
    "role_supporter": {"ja": "後援", "en": "Supporter"},
    "role_sponsor": {"ja": "協賛", "en": "Sponsor"},
    "role_cooperator": {"ja": "協力", "en": "Cooperator"},
    "attendance": {"ja": "参加方法", "en": "Attendance"},
    "attendance_venue": {"ja": "会場参加", "en": "At the venue"},
    "attendance_online": {"ja": "オンライン参加", "en": "Online"},
    "registration_status_confirmed": {"ja": "参加確定", "en": "Confirmed"},
    "registration_status_unconfirmed": {"ja": "メール確認待ち", "en": "Email not confirmed"},
    "registration_status_waitlisted": {"ja": "キャンセル待ち", "en": "Waiting list"},
    "registration_status_cancelled": {"ja": "キャンセル済み", "en": "Cancelled"},
    # Calendar feeds
    "calendar_event": {"ja": "カレンダーに追加", "en": "Add to your calendar"},
    "calendar_site": {"ja": "カレンダーで購読", "en": "Subscribe in your calendar"},
    "calendar_webcal": {"ja": "カレンダーアプリで購読 (webcal)",
                        "en": "Subscribe in a calendar app (webcal)"},
    "calendar_google": {"ja": "Google カレンダーに追加", "en": "Add to Google Calendar"},
    "calendar_https": {"ja": "iCalendar 形式の URL", "en": "iCalendar address"},
    # Inside calendar files
    "live_stream": {"ja": "配信", "en": "Live stream"},
    "list_separator": {"ja": "、", "en": ", "},
    # Registration and tickets
    "register": {"ja": "参加登録", "en": "Register"},
    "register_title": {"ja": "参加登録: {title}", "en": "Register: {title}"},
    "name": {"ja": "氏名", "en": "Name"},
    "name_kana": {"ja": "フリガナ", "en": "Name reading (kana)"},
    "email": {"ja": "メールアドレス", "en": "Email"},
    "affiliation": {"ja": "所属", "en": "Affiliation"},
    "membership": {"ja": "会員区分", "en": "Membership"},
    "membership_none": {"ja": "一般（非会員）", "en": "Not a member"},
    "membership_member": {"ja": "インターネット協会 会員", "en": "Member of the association"},
    "membership_oic_member": {"ja": "OIC 会員", "en": "OIC member"},
    "consent_joint": {
        "ja": "個人情報の取り扱い（参加受付と連絡のために利用し、主催者と共催者（{cohosts}）が共同で利用します〔共同利用〕。その他の第三者には提供しません）に同意します",
        "en": "I agree to the privacy notice (my data is used for this registration and "
              "related messages, jointly by the organizer and the co-hosts {cohosts}, and "
              "never shared with anyone else)"},
    "consent": {"ja": "個人情報の取り扱い（参加受付と連絡のためにのみ利用し、第三者に提供しません）に同意します",
                "en": "I agree to the privacy notice (my data is used only for this "
                      "registration and related messages, and never shared)"},
    "required": {"ja": "必須", "en": "required"},
    "submit_registration": {"ja": "登録する", "en": "Register"},
    "seats_left": {"ja": "残り {n} 席", "en": "{n} seats left"},
    "full_waitlist": {"ja": "満席（キャンセル待ちで登録できます）",
                      "en": "Full (you can join the waiting list)"},
    "fix_errors": {"ja": "入力内容を確認してください。", "en": "Please check the form."},
    "your_ticket": {"ja": "参加チケット", "en": "Your ticket"},
    "registered_welcome": {"ja": "登録が完了しました。このページのURLは本人確認を兼ねています。他人と共有しないでください。",
                           "en": "You are registered. This page's address is your key: "
                                 "do not share it."},
    "waitlist_position": {"ja": "キャンセル待ち {n} 番目", "en": "Position {n} on the waiting list"},
    "show_at_door": {"ja": "会場受付でこのQRコードを提示してください。",
                     "en": "Show this QR code at the venue entrance."},
    "stream_link": {"ja": "視聴URL", "en": "Stream link"},
    "add_to_calendar": {"ja": "カレンダーに追加", "en": "Add to calendar"},
    "qr_svg": {"ja": "QRコード (SVG)", "en": "QR code (SVG)"},
    "switch_to": {"ja": "{mode}に変更する", "en": "Switch to {mode}"},
    "switch_note": {"ja": "満席の場合はキャンセル待ちになります。",
                    "en": "If that is full you join its waiting list."},
    "cancel_registration": {"ja": "登録をキャンセルする", "en": "Cancel my registration"},
    "cancel_confirm": {"ja": "本当にキャンセルしますか？この操作は取り消せません（再登録は可能です）。",
                       "en": "Really cancel? Your seat goes to the next person waiting "
                             "(you may register again later)."},
    "cancel_yes": {"ja": "キャンセルする", "en": "Yes, cancel"},
    "cancel_no": {"ja": "戻る", "en": "Go back"},
    "cancelled_done": {"ja": "登録はキャンセルされました。", "en": "Your registration is cancelled."},
    "ticket_number": {"ja": "受付番号", "en": "Ticket number"},
    "refused_registration_not_open": {"ja": "参加登録の受付はまだ始まっていません。",
                                      "en": "Registration has not opened yet."},
    "refused_registration_closed": {"ja": "参加登録の受付は終了しました。",
                                    "en": "Registration is closed."},
    "refused_event_cancelled": {"ja": "このイベントは中止になりました。",
                                "en": "This event is cancelled."},
    "refused_event_postponed": {"ja": "このイベントは延期になりました。",
                                "en": "This event is postponed."},
    "refused_already_registered": {"ja": "このメールアドレスは既に登録されています。チケットのリンクをこのアドレスにお送りしました。",
                                   "en": "This email address is already registered; we "
                                         "have mailed its ticket link to it."},
    "refused_attendance_not_offered": {"ja": "この参加方法は選択できません。",
                                       "en": "This way of attending is not offered."},
    "refused_registration_cancelled": {"ja": "この登録はキャンセル済みです。",
                                       "en": "This registration is cancelled."},
    "refused_csrf_failed": {"ja": "フォームの有効期限が切れました。ページを再読み込みしてもう一度送信してください。",
                            "en": "The form has expired. Reload the page and send it again."},
    "registration_opens": {"ja": "受付開始: {when}", "en": "Registration opens: {when}"},
    # The layout of every message (templates/email/layout.*)
    "mail_greeting": {"ja": "{name} 様", "en": "Dear {name},"},
    "mail_event": {"ja": "イベント", "en": "Event"},
    "mail_status": {"ja": "登録状況", "en": "Status"},
    "mail_sessions": {"ja": "日時・プログラム", "en": "Sessions"},
    "mail_times_in": {"ja": "時刻は {tz} の現地時間です", "en": "times are local to {tz}"},
    "mail_ticket": {"ja": "チケット・登録内容の確認・変更",
                    "en": "Your ticket, and changes or cancellation"},
    "mail_calendar": {"ja": "カレンダーへの登録用ファイル (invite.ics) を添付しています。",
                      "en": "The attached invite.ics adds the sessions to your calendar."},
    "mail_calendar_cancel": {
        "ja": "カレンダーから予定を取り消すためのファイル (invite.ics) を添付しています。",
        "en": "The attached invite.ics removes the sessions from your calendar."},
    "mail_event_page": {"ja": "イベントページ", "en": "Event page"},
    "mail_unsubscribe": {"ja": "このイベントからのお知らせの配信停止",
                         "en": "Stop announcements about this event"},
    "mail_automatic": {"ja": "このメールは送信専用アドレスから自動送信しています。",
                       "en": "This message was sent automatically; replies are not read."},
    # Mail to a console user: the single-use link (an invitation, a password reset)
    "mail_link_invite": {"ja": "パスワードを設定してアカウントを有効にする",
                         "en": "Set your password and activate your account"},
    "mail_link_reset": {"ja": "パスワードを再設定する", "en": "Reset your password"},
    "mail_link_valid": {"ja": "このリンクの有効期間は {hours} 時間です（{until} まで）。",
                        "en": "The link is valid for {hours} hours (until {until})."},
    "mail_link_once": {"ja": "リンクは一度だけ使えます。このメールを他の人に転送しないでください。",
                       "en": "It works once. Do not forward this message to anyone."},
    "mail_link_plain": {"ja": "ボタンが開かない場合は、次のURLをブラウザに貼り付けてください。",
                        "en": "If the button does not work, paste this address into your "
                              "browser:"},
    # The page behind a broadcast's unsubscribe link
    "unsubscribe_title": {"ja": "配信停止", "en": "Unsubscribe"},
    "unsubscribe_heading": {"ja": "お知らせの配信停止", "en": "Stop announcements"},
    "unsubscribe_question": {"ja": "このイベントの主催者からのお知らせメールの配信を停止しますか？参加登録そのものは取り消されません。",
                             "en": "Stop announcements from the organizers of this event? "
                                   "Your registration stays as it is."},
    "unsubscribe_button": {"ja": "配信を停止する", "en": "Stop announcements"},
    "unsubscribe_done": {"ja": "このイベントの主催者からのお知らせは今後お送りしません。参加登録・変更・中止などのご連絡は引き続きお送りします。",
                         "en": "You will get no more announcements from the organizers of this "
                               "event. Messages about your registration itself (changes, "
                               "cancellation) still reach you."},
    # The check-in scanner (static/checkin.js reads these from the page)
    "checkin_title": {"ja": "受付", "en": "Check-in"},
    "checkin_key_label": {"ja": "受付キー", "en": "Check-in key"},
    "checkin_unlock": {"ja": "開始", "en": "Unlock"},
    "checkin_key_refused": {"ja": "このキーはこのイベントでは使えません。",
                            "en": "This key is not accepted for this event."},
    "checkin_network_needed": {"ja": "最初の開始にはネットワーク接続が必要です。",
                               "en": "The first unlock needs the network."},
    "checkin_start_camera": {"ja": "カメラを起動", "en": "Start camera"},
    "checkin_camera_failed": {"ja": "カメラを使えません。下の検索を使ってください。",
                              "en": "No camera: use the search below."},
    "checkin_ready": {"ja": "QRコードをかざしてください", "en": "Show a ticket's QR code"},
    "checkin_device_count": {"ja": "この端末", "en": "this device"},
    "checkin_today": {"ja": "本日入場", "en": "in today"},
    "checkin_queue": {"ja": "未送信", "en": "to upload"},
    # The network badge: worded so it cannot be read as the attendance mode "online".
    "checkin_online": {"ja": "通信: 接続中", "en": "Network: connected"},
    "checkin_offline": {"ja": "通信: 圏外", "en": "Network: none"},
    "checkin_offline_badge": {"ja": "オフライン判定", "en": "OFFLINE"},
    "result_checked_in": {"ja": "受付完了", "en": "Checked in"},
    "result_already_checked_in": {"ja": "受付済み", "en": "Already checked in"},
    "result_duplicate": {"ja": "重複入場", "en": "Duplicate entry"},
    "result_cancelled": {"ja": "キャンセル済み", "en": "Cancelled"},
    "result_waitlisted": {"ja": "キャンセル待ち（未確定）", "en": "Waiting list, not confirmed"},
    "result_unconfirmed": {"ja": "メール確認待ち（未確定）", "en": "Email not confirmed yet"},
    "result_online_only": {"ja": "オンライン参加の登録", "en": "Registered to attend online"},
    "result_wrong_day": {"ja": "本日の受付対象外", "en": "Not for today"},
    "result_wrong_event": {"ja": "別イベントのチケット", "en": "Ticket for another event"},
    "result_invalid": {"ja": "無効なチケット", "en": "Invalid ticket"},
    "result_error": {"ja": "エラー", "en": "Error"},
    "checkin_first_entry": {"ja": "{time} に {gate} で入場済み", "en": "Entered at {time}, {gate}"},
    "checkin_first_entry_no_gate": {"ja": "{time} に入場済み", "en": "Entered at {time}"},
    "checkin_search": {"ja": "氏名・フリガナ・メール・受付番号", "en": "Name, kana, email or number"},
    "checkin_search_button": {"ja": "検索", "en": "Search"},
    "checkin_button": {"ja": "受付する", "en": "Check in"},
    "checkin_no_match": {"ja": "該当する登録はありません。", "en": "No matching registration."},
    "checkin_session": {"ja": "セッション", "en": "Session"},
    "checkin_session_auto": {"ja": "自動（本日）", "en": "Automatic (today)"},
    "checkin_gate": {"ja": "受付場所", "en": "Gate"},
    "checkin_settings": {"ja": "設定", "en": "Settings"},
    "checkin_setup_qr": {"ja": "他の端末の設定用QRコード", "en": "Setup QR for another phone"},
    "checkin_setup_note": {"ja": "このQRコードには受付キーが含まれます。スタッフ以外に見せないでください。",
                           "en": "This QR code carries the check-in key: show it to staff only."},
    "checkin_forget": {"ja": "この端末の受付データを消去", "en": "Forget this device"},
    "checkin_forget_confirm": {"ja": "キーと未送信の記録を消去しますか？",
                               "en": "Erase the key and any scans not uploaded yet?"},
    "checkin_synced": {"ja": "{n} 件を送信しました", "en": "Uploaded {n} scan(s)"},
    "checkin_duplicate_notice": {"ja": "重複入場: {name}（{time}, {gate}）",
                                 "en": "Duplicate entry: {name} ({time}, {gate})"},
    "checkin_duplicate_notice_no_gate": {"ja": "重複入場: {name}（{time}）",
                                         "en": "Duplicate entry: {name} ({time})"},
    "checkin_ticket": {"ja": "受付番号 {id}", "en": "Ticket {id}"},
    # ---- validation errors ----------------------------------------------------------------
    # ---- the ticket page: what is true for this attendee, now ------------------------------
    "registered_welcome_waitlisted": {
        "ja": "キャンセル待ちとして登録しました。このページのURLは本人確認を兼ねています。他人と共有しないでください。",
        "en": "You are on the waiting list. This page's address is your key: do not share "
              "it."},
    "ticket_waitlist_heading": {"ja": "キャンセル待ちです", "en": "You are on the waiting list"},
    "ticket_waitlist_next": {
        "ja": "席が空き次第、順番に繰り上げて参加確定とし、すぐにメールでお知らせします。確定するまでは参加できません。",
        "en": "As soon as a seat frees up, people move up in order and we tell you by "
              "email straight away. Until then your place is not confirmed."},
    "ticket_waitlist_no_qr": {
        "ja": "受付用のQRコードは、参加確定後にこのページとメールでお送りします。",
        "en": "Your QR code for the entrance comes with that email, and appears here, "
              "once you are confirmed."},
    "ticket_waitlist_no_stream": {
        "ja": "視聴URLは、参加確定後にこのページとメールでお知らせします。",
        "en": "The stream link comes with that email, and appears here, once you are "
              "confirmed."},
    "ticket_stream_heading": {"ja": "オンライン視聴", "en": "Watching online"},
    "ticket_stream_private": {"ja": "この視聴URLは参加者専用です。他の人と共有しないでください。",
                              "en": "This link is for you only: please do not share it."},
    "ticket_online_no_qr": {"ja": "オンライン参加のため、会場受付用のQRコードはありません。",
                            "en": "You attend online, so there is no QR code for the "
                                  "entrance."},
    "switch_to_venue": {"ja": "会場参加に変更する", "en": "Switch to venue attendance"},
    "switch_to_online": {"ja": "オンライン参加に変更する", "en": "Switch to online attendance"},
    "ticket_event_cancelled": {"ja": "このイベントは中止になりました",
                               "en": "This event has been cancelled"},
    "ticket_event_cancelled_note": {
        "ja": "開催を中止することになりました。ご迷惑をおかけし申し訳ございません。会場での受付・オンライン配信は行いません。",
        "en": "We are sorry: the event will not take place, neither at the venue nor "
              "online."},
    "ticket_event_postponed": {"ja": "このイベントは延期になりました",
                               "en": "This event has been postponed"},
    "ticket_event_postponed_note": {
        "ja": "新しい日程は決まり次第、ご登録のメールアドレスにお知らせします。ご登録はそのまま残っています。",
        "en": "We will email you the new dates as soon as they are set. Your registration "
              "stays as it is."},
    "ticket_status_event_cancelled": {"ja": "イベント中止", "en": "Event cancelled"},
    "ticket_status_event_postponed": {"ja": "イベント延期", "en": "Event postponed"},
    "ticket_event_previous_dates": {"ja": "当初の日程: {when}", "en": "Originally planned: {when}"},
    "ticket_contact": {"ja": "お問い合わせ先", "en": "Contact"},
    "ticket_register_again": {"ja": "もう一度参加登録する", "en": "Register again"},
    "ticket_register_again_note": {"ja": "まだ席があります。",
                                   "en": "There are still seats left."},
    "ticket_calendar_tentative": {
        "ja": "カレンダーには「仮」の予定として入ります。参加確定後に更新されます。",
        "en": "Your calendar shows it as tentative until you are confirmed."},
    # Error pages: a message the catalogue does not know is replaced by its status's words.
    "error_status_400": {"ja": "リクエストの形式が正しくありません。",
                         "en": "The request could not be understood."},
    "error_status_403": {"ja": "このページを表示する権限がありません。",
                         "en": "You may not see this page."},
    "error_status_404": {"ja": "お探しのページは見つかりませんでした。URLをご確認ください。",
                         "en": "We could not find that page. Please check the address."},
    "error_status_405": {"ja": "この操作はこのページでは行えません。",
                         "en": "That cannot be done on this page."},
    "error_status_409": {"ja": "他の変更と重なったため、処理できませんでした。もう一度お試しください。",
                         "en": "This clashed with another change. Please try again."},
    "error_status_422": {"ja": "入力内容を確認してください。", "en": "Please check what you sent."},
    "error_status_429": {"ja": "アクセスが集中しています。しばらくしてからもう一度お試しください。",
                         "en": "Too many requests. Please try again in a moment."},
    "error_status_500": {"ja": "サーバーで問題が発生しました。しばらくしてからもう一度お試しください。",
                         "en": "Something went wrong on our side. Please try again later."},
    "error_status_other": {"ja": "処理できませんでした。", "en": "That did not work."},
    # ---- the organizer console --------------------------------------------------------
    "console": {"ja": "kaigi 管理画面", "en": "kaigi console"},
    "console_skip": {"ja": "本文へ移動", "en": "Skip to content"},
    "console_nav": {"ja": "管理メニュー", "en": "Console menu"},
    "console_dashboard": {"ja": "ダッシュボード", "en": "Dashboard"},
    "console_new_event": {"ja": "イベント作成", "en": "New event"},
    "console_orgs": {"ja": "団体", "en": "Organizations"},
    "console_series": {"ja": "シリーズ", "en": "Series"},
    "console_audit": {"ja": "操作履歴", "en": "Audit log"},
    "console_logout": {"ja": "ログアウト", "en": "Log out"},
    "console_login": {"ja": "ログイン", "en": "Log in"},
    "console_password": {"ja": "パスワード", "en": "Password"},
    "console_forgot": {"ja": "パスワードを忘れた場合", "en": "Forgot your password?"},
    "console_forgot_help": {
        "ja": "登録されているメールアドレスを入力してください。パスワードを設定し直すためのリンクをお送りします。",
        "en": "Enter the address of your account; we mail you a link to set a new password."},
    "console_send_link": {"ja": "リンクを送る", "en": "Send the link"},
    "console_reset_sent": {
        "ja": "このアドレスのアカウントがあれば、パスワード再設定のリンクを送りました。2 時間有効です。",
        "en": "If an account uses this address, a link to set a new password is on its way. "
              "It is valid for 2 hours."},
    "console_set_password": {"ja": "パスワードの設定", "en": "Set your password"},
    "console_new_password": {"ja": "新しいパスワード（10 文字以上）",
                             "en": "New password (at least 10 characters)"},
    "console_current_password": {"ja": "現在のパスワード", "en": "Current password"},
    "console_change_password": {"ja": "パスワードの変更", "en": "Change your password"},
    "console_save": {"ja": "保存する", "en": "Save"},
    "console_account": {"ja": "アカウント", "en": "Your account"},
    "console_role_admin": {"ja": "管理者", "en": "Admin"},
    "console_role_organizer": {"ja": "主催者", "en": "Organizer"},
    "console_second_factor": {"ja": "2 段階認証", "en": "Two-step verification"},
    "console_second_factor_help": {
        "ja": "認証アプリに表示されている 6 桁のコード、または回復コードを入力してください。",
        "en": "Enter the 6-digit code from your authenticator app, or a recovery code."},
    "console_code": {"ja": "確認コード", "en": "Code"},
    "console_verify": {"ja": "確認する", "en": "Verify"},
    "console_totp_off": {"ja": "2 段階認証は使っていません。", "en": "Two-step verification is off."},
    "console_totp_is_on": {"ja": "2 段階認証を使っています。", "en": "Two-step verification is on."},
    "console_totp_set_up": {"ja": "2 段階認証を設定する", "en": "Set up two-step verification"},
    "console_totp_setup_help": {
        "ja": "認証アプリ（Google Authenticator など）にこの鍵を登録し、表示されたコードを入力してください。",
        "en": "Add this key to your authenticator app (Google Authenticator or similar), "
              "then enter the code it shows."},
    "console_totp_turn_on": {"ja": "2 段階認証を有効にする", "en": "Turn on"},
    "console_totp_turn_off": {"ja": "2 段階認証を無効にする", "en": "Turn off two-step verification"},
    "console_totp_on": {"ja": "2 段階認証を有効にしました。", "en": "Two-step verification is now on."},
    "console_recovery_help": {
        "ja": "認証アプリが使えなくなったときの回復コードです。各コードは 1 回だけ使えます。今すぐ安全な場所に保管してください（再表示はできません）。",
        "en": "Recovery codes for when your authenticator app is not at hand. Each works "
              "once. Keep them somewhere safe now: they are not shown again."},
    "console_fix_errors": {"ja": "入力内容を確認してください", "en": "Please check these fields"},
    "console_error_login_failed": {
        "ja": "メールアドレスまたはパスワードが正しくありません。",
        "en": "The email address or password is wrong."},
    "console_error_too_many_attempts": {
        "ja": "ログインの失敗が続いたため、しばらく受け付けません。15 分ほどしてからお試しください。",
        "en": "Too many failed logins. Please try again in about 15 minutes."},
    "console_notice_logged_out": {"ja": "ログアウトしました。", "en": "You are logged out."},
    "console_notice_password_changed": {
        "ja": "パスワードを変更しました。新しいパスワードでログインしてください。",
        "en": "Your password is changed. Log in with the new one."},
    "console_notice_password_set": {
        "ja": "パスワードを設定しました。ログインしてください。",
        "en": "Your password is set. Please log in."},
    "console_notice_totp_disabled": {"ja": "2 段階認証を無効にしました。",
                                     "en": "Two-step verification is off."},
    "console_admin_totp": {"ja": "管理者の 2 段階認証", "en": "Two-step verification for admins"},
    "console_admin_totp_is_on": {
        "ja": "すべての管理者に 2 段階認証を必須にしています。設定していない管理者はアカウント画面以外を開けません。",
        "en": "Every admin must use two-step verification; an admin without it can open "
              "only their account page."},
    "console_admin_totp_is_off": {"ja": "管理者の 2 段階認証は任意です。",
                                  "en": "Two-step verification is optional for admins."},
    "console_admin_totp_turn_on": {"ja": "すべての管理者に必須にする",
                                   "en": "Require it of every admin"},
    "console_admin_totp_turn_off": {"ja": "必須をやめる", "en": "Make it optional"},
    "console_notice_admin_totp_on": {"ja": "管理者の 2 段階認証を必須にしました。",
                                     "en": "Two-step verification is now required of admins."},
    "console_notice_admin_totp_off": {"ja": "管理者の 2 段階認証を任意にしました。",
                                      "en": "Two-step verification is now optional for admins."},
    "console_notice_totp_required": {
        "ja": "管理者は 2 段階認証を設定してから管理画面を使ってください。",
        "en": "Admins must set up two-step verification before using the console."},
    "link_invalid": {"ja": "このリンクは無効か、有効期限が切れています。",
                     "en": "This link is not valid any more."},
    "field_email": {"ja": "メールアドレス", "en": "Email"},
    "field_password": {"ja": "パスワード", "en": "Password"},
    "field_current_password": {"ja": "現在のパスワード", "en": "Current password"},
    "field_code": {"ja": "確認コード", "en": "Code"},
    # ---- console: an event's mail and its door (api/console/mail.py, door.py) ----------
    "console_mail_title": {"ja": "お知らせメール", "en": "Mail"},
    "console_mail_compose": {"ja": "お知らせを作成", "en": "Write an announcement"},
    "console_mail_compose_help": {
        "ja": "件名と本文は日本語と英語で書けます。各参加者には登録時に選んだ言語で届きます。片方の言語だけ書いた場合は、全員にその文面が届きます。送信前にプレビューで宛先の人数と文面を確認します。",
        "en": "Write the subject and text in Japanese and English: each attendee gets the "
              "language they registered in. Written in one language only, everyone gets "
              "that text. A preview shows how many people it reaches before anything is "
              "sent."},
    "field_audience": {"ja": "送信先", "en": "Send to"},
    "field_subject_ja": {"ja": "件名（日本語）", "en": "Subject (Japanese)"},
    "field_subject_en": {"ja": "件名（英語）", "en": "Subject (English)"},
    "field_body_ja": {"ja": "本文（日本語）", "en": "Text (Japanese)"},
    "field_body_en": {"ja": "本文（英語）", "en": "Text (English)"},
    "console_mail_audience_all": {"ja": "全員（参加確定とキャンセル待ち）",
                                  "en": "Everyone (confirmed and waiting list)"},
    "console_mail_audience_venue": {"ja": "会場参加の確定者", "en": "Confirmed, at the venue"},
    "console_mail_audience_online": {"ja": "オンライン参加の確定者", "en": "Confirmed, online"},
    "console_mail_audience_checked_in": {"ja": "来場済み（受付済み）の人",
                                         "en": "Checked in at the door"},
    "console_mail_audience_not_checked_in": {"ja": "参加確定でまだ受付していない人",
                                             "en": "Confirmed, not checked in"},
    "console_mail_audience_waitlisted": {"ja": "キャンセル待ちの人", "en": "Waiting list"},
    "console_mail_preview_button": {"ja": "プレビューして確認する", "en": "Preview"},
    "console_mail_preview": {"ja": "送信前の確認", "en": "Check before sending"},
    "console_mail_preview_help": {
        "ja": "最初の宛先の方の名前で表示しています。配信停止した人には送りません。",
        "en": "Shown as the first recipient would get it. People who unsubscribed are "
              "left out."},
    "console_mail_preview_ja": {"ja": "日本語で受け取る人への文面",
                                "en": "As recipients reading Japanese get it"},
    "console_mail_preview_en": {"ja": "英語で受け取る人への文面",
                                "en": "As recipients reading English get it"},
    "console_mail_subject": {"ja": "件名", "en": "Subject"},
    "console_mail_recipients": {"ja": "{audience}: {n} 人に送信します。",
                                "en": "{audience}: {n} recipient(s)."},
    "console_mail_no_recipients": {"ja": "この送信先に該当する人はいません。",
                                   "en": "Nobody is in this audience."},
    "console_mail_send_confirm": {"ja": "送信すると取り消せません。内容と人数を確認してから送信してください。",
                                  "en": "Once sent, it cannot be recalled: check the text and "
                                        "the count first."},
    "console_mail_send_button": {"ja": "{n} 人に送信する", "en": "Send to {n} recipient(s)"},
    "console_mail_edit_again": {"ja": "直す場合は、下のフォームで変更してもう一度プレビューしてください。",
                                "en": "To change it, edit the form below and preview again."},
    "console_mail_sent": {"ja": "{audience}宛てに {n} 件のメールを送信待ちにしました。順に送信されます。",
                          "en": "{n} message(s) to {audience} queued; they go out shortly."},
    "console_mail_outbox": {"ja": "送信状況", "en": "Outbox"},
    "console_mail_outbox_caption": {"ja": "表示中: {status}（新しい順）",
                                    "en": "Showing: {status}, newest first"},
    "console_mail_failed_note": {
        "ja": "送信に失敗したメールが {n} 件あります。理由を確認し、必要なら再送してください。",
        "en": "{n} message(s) failed: check the reason, and send them again if it helps."},
    "console_mail_filter": {"ja": "状態で絞り込み", "en": "Filter by status"},
    "console_mail_status_all": {"ja": "すべて", "en": "All"},
    "console_mail_status_pending": {"ja": "送信待ち", "en": "Waiting"},
    "console_mail_status_sending": {"ja": "送信中", "en": "Sending"},
    "console_mail_status_sent": {"ja": "送信済み", "en": "Sent"},
    "console_mail_status_failed": {"ja": "失敗", "en": "Failed"},
    "console_mail_status_skipped": {"ja": "送信対象外", "en": "Skipped"},
    "console_mail_purpose_confirmed": {"ja": "登録完了", "en": "Registration confirmed"},
    "console_mail_purpose_waitlisted": {"ja": "キャンセル待ち登録", "en": "Waiting list"},
    "console_mail_purpose_promoted": {"ja": "繰り上げ参加確定", "en": "Moved up from the waiting list"},
    "console_mail_purpose_attendance_changed": {"ja": "参加方法の変更",
                                                "en": "Attendance changed"},
    "console_mail_purpose_cancelled": {"ja": "登録キャンセル", "en": "Registration cancelled"},
    "console_mail_purpose_event_changed": {"ja": "イベント内容の変更",
                                           "en": "Event changed"},
    "console_mail_purpose_event_cancelled": {"ja": "イベント中止", "en": "Event cancelled"},
    "console_mail_purpose_reminder": {"ja": "前日のご案内", "en": "Reminder"},
    "console_mail_purpose_broadcast": {"ja": "お知らせ", "en": "Announcement"},
    "console_mail_col_created": {"ja": "作成日時", "en": "Created"},
    "console_mail_col_purpose": {"ja": "種類", "en": "Kind"},
    "console_mail_col_recipient": {"ja": "宛先", "en": "To"},
    "console_mail_col_status": {"ja": "状態", "en": "Status"},
    "console_mail_attempts": {"ja": "{n} 回試行", "en": "{n} attempt(s)"},
    "console_mail_col_error": {"ja": "理由（最後のエラー）", "en": "Reason (last error)"},
    "console_mail_col_action": {"ja": "操作", "en": "Action"},
    "console_mail_sent_at": {"ja": "送信 {time}", "en": "sent {time}"},
    "console_mail_retry": {"ja": "再送する", "en": "Send again"},
    "console_mail_retry_label": {"ja": "再送する: {name} 様宛て",
                                 "en": "Send again: the message to {name}"},
    "console_mail_none": {"ja": "該当するメールはありません。", "en": "No messages here."},
    "console_mail_first_page": {"ja": "最新に戻る", "en": "Back to the newest"},
    "console_mail_next_page": {"ja": "さらに古いメール", "en": "Older messages"},
    "console_notice_broadcast_sent": {"ja": "お知らせを送信待ちにしました。",
                                      "en": "The announcement is queued."},
    "console_notice_message_retried": {"ja": "再送を予約しました。まもなく送信されます。",
                                       "en": "The message will be sent again shortly."},
    "console_notice_message_not_retryable": {
        "ja": "このメールは再送できません（再送できるのは失敗・送信対象外のメールだけです）。",
        "en": "This message cannot be sent again: only failed or skipped ones can."},
    "invalid_no_recipients": {"ja": "この送信先に該当する人がいません。",
                              "en": "nobody is in this audience"},
    "console_door_title": {"ja": "受付状況", "en": "Door"},
    "console_door_today": {"ja": "本日の入場（{day}）", "en": "In today ({day})"},
    "console_door_today_of": {"ja": "会場参加の確定者 {total} 人のうち {n} 人が入場しました。",
                              "en": "{n} of {total} confirmed venue attendees are in."},
    "console_door_today_pill": {"ja": "本日", "en": "today"},
    "console_door_as_of": {"ja": "{time} 時点", "en": "as of {time}"},
    "console_door_refresh": {"ja": "最新の状態に更新", "en": "Refresh"},
    "console_door_live_on": {"ja": "{seconds} 秒ごとに自動更新する",
                             "en": "Refresh every {seconds} seconds"},
    "console_door_live_off": {"ja": "自動更新を止める", "en": "Stop refreshing"},
    "console_door_by_mode": {"ja": "参加方法ごとの人数", "en": "By way of attending"},
    "console_door_col_registered": {"ja": "参加確定", "en": "Confirmed"},
    "console_door_col_checked_in": {"ja": "受付済み", "en": "Checked in"},
    "console_door_col_waitlisted": {"ja": "キャンセル待ち", "en": "Waiting list"},
    "console_door_col_cancelled": {"ja": "キャンセル", "en": "Cancelled"},
    "console_door_online_no_checkin": {"ja": "オンライン参加の方は会場受付の対象外です。",
                                       "en": "Online attendees do not check in at the door."},
    "console_door_by_day": {"ja": "会期の日ごとの入場（会場）", "en": "Entries by day (venue)"},
    "console_door_col_day": {"ja": "日付", "en": "Day"},
    "console_door_col_entered": {"ja": "入場", "en": "In"},
    "console_door_col_share": {"ja": "入場率", "en": "Share in"},
    "console_door_no_days": {"ja": "会場でのセッションがないため、受付はありません。",
                             "en": "No venue sessions: nobody checks in at a door."},
    "console_door_scans": {"ja": "最近の読み取り", "en": "Latest scans"},
    "console_door_scans_summary": {
        "ja": "読み取り {total} 件（うちオフライン {offline} 件）、重複入場 {duplicates} 件",
        "en": "{total} scan(s), {offline} of them offline; duplicate entries: {duplicates}"},
    "console_door_names_hidden": {
        "ja": "主催団体が登録者情報を共有していないため、氏名の代わりに受付番号を表示しています。",
        "en": "The organizer does not share registrants, so ticket numbers are shown "
              "instead of names."},
    "console_door_times_in": {"ja": "時刻は {tz} の現地時間です", "en": "Times are local to {tz}"},
    "console_door_col_time": {"ja": "時刻", "en": "Time"},
    "console_door_col_name": {"ja": "氏名", "en": "Name"},
    "console_door_col_result": {"ja": "結果", "en": "Result"},
    "console_door_col_gate": {"ja": "受付場所", "en": "Gate"},
    "console_door_offline": {"ja": "オフライン", "en": "offline"},
    "console_door_no_scans": {"ja": "まだ読み取りはありません。", "en": "No scans yet."},
    "console_door_duplicates": {"ja": "重複入場（要確認）", "en": "Duplicate entries to follow up"},
    "console_door_duplicates_help": {
        "ja": "オフラインで受付したチケットが、同じ日に別の場所でも入場していました。スタッフで確認してください。",
        "en": "A ticket admitted offline also entered elsewhere that day: staff should look "
              "into these."},
    "console_door_col_this_entry": {"ja": "この入場", "en": "This entry"},
    "console_door_col_other_entry": {"ja": "もう一方の入場", "en": "The other entry"},
    "console_door_keys": {"ja": "受付キー", "en": "Check-in keys"},
    "console_door_keys_help": {
        "ja": "受付スタッフのスマートフォンやタブレットで受付画面を開くためのキーです。このイベントの受付にだけ使えます。端末ごと・担当者ごとに作成し、不要になったら無効にしてください。",
        "en": "A key unlocks the check-in page on a volunteer's phone or tablet, for this "
              "event's door only. Make one per device or person, and revoke it when it is "
              "no longer needed."},
    "field_key_name": {"ja": "キーの名前（例: 正面受付・田中）",
                       "en": "Key name (e.g. Main gate, Tanaka)"},
    "console_door_key_create": {"ja": "受付キーを作成", "en": "Create a check-in key"},
    "console_door_key_new": {"ja": "新しい受付キー", "en": "A new check-in key"},
    "console_door_col_key_name": {"ja": "名前", "en": "Name"},
    "console_door_col_prefix": {"ja": "キーの先頭", "en": "Starts with"},
    "console_door_col_created": {"ja": "作成", "en": "Created"},
    "console_door_col_last_used": {"ja": "最終使用", "en": "Last used"},
    "console_door_col_state": {"ja": "状態", "en": "State"},
    "console_door_key_never": {"ja": "未使用", "en": "never"},
    "console_door_key_active": {"ja": "有効", "en": "Active"},
    "console_door_key_revoked": {"ja": "{when} に無効化", "en": "Revoked {when}"},
    "console_door_key_revoke": {"ja": "無効にする", "en": "Revoke"},
    "console_door_key_revoke_label": {"ja": "受付キー「{name}」を無効にする",
                                      "en": "Revoke the key {name}"},
    "console_door_no_keys": {"ja": "受付キーはまだありません。", "en": "No check-in keys yet."},
    "console_door_key_created_title": {"ja": "受付キーを作成しました", "en": "Check-in key created"},
    "console_door_key_created": {"ja": "受付キー「{name}」を作成しました",
                                 "en": "Check-in key {name} created"},
    "console_door_key_once": {
        "ja": "このキーが表示されるのはこの画面だけです。閉じると二度と表示できません。今のうちに受付用の端末に設定してください。",
        "en": "This is the only time the key is shown: once you leave this page it cannot be "
              "shown again. Set up the door's devices now."},
    "console_door_key_qr": {"ja": "端末の設定用QRコード", "en": "Setup QR code"},
    "console_door_key_qr_help": {
        "ja": "受付用の端末のカメラでこのQRコードを読み取ると、キーが設定された受付画面が開きます。",
        "en": "Scan this with the door device's camera: it opens the check-in page with the "
              "key already set."},
    "console_door_key_qr_alt": {"ja": "受付キー「{name}」で受付画面を開くQRコード",
                                "en": "QR code that opens the check-in page with key {name}"},
    "console_door_key_raw": {"ja": "キー", "en": "The key"},
    "console_door_key_raw_help": {"ja": "QRコードを使えない端末では、受付画面でこのキーを入力してください。",
                                  "en": "On a device that cannot scan the QR code, type this "
                                        "key into the check-in page."},
    "console_door_key_link": {"ja": "受付画面のURL（キー入り）",
                              "en": "Check-in page address (with the key)"},
    "console_door_key_prefix_later": {"ja": "今後の一覧では先頭の「{prefix}…」だけが表示されます。",
                                      "en": "From now on the list shows only its start, "
                                            "{prefix}…"},
    "console_door_key_done": {"ja": "受付状況に戻る", "en": "Back to the door"},
    "console_door_revoke_title": {"ja": "受付キーの無効化", "en": "Revoke a check-in key"},
    "console_door_revoke_question": {
        "ja": "受付キー「{name}」（{prefix}…）を無効にしますか？このキーを設定した端末では受付ができなくなります。元には戻せません。",
        "en": "Revoke the check-in key {name} ({prefix}…)? Devices set up with it can no "
              "longer check anyone in. This cannot be undone."},
    "console_door_revoke_yes": {"ja": "無効にする", "en": "Revoke"},
    "console_door_revoke_no": {"ja": "やめる", "en": "Keep it"},
    "console_notice_key_revoked": {"ja": "受付キーを無効にしました。",
                                   "en": "The check-in key is revoked."},
    "invalid_key_name_taken": {"ja": "この名前の有効なキーがすでにあります。別の名前にしてください。",
                               "en": "an active key of this event already has this name"},
    # ---- the console: an event's attendees (api/console/attendees.py) ----------------------
    "attendees_title": {"ja": "参加者", "en": "Attendees"},
    "attendees_view_only": {
        "ja": "共催団体として閲覧のみできます。登録の変更やCSV出力は主催団体が行います。",
        "en": "As a co-host you can view the attendees. Changes and the CSV export are done "
              "by the organizing association."},
    "attendees_by_status": {"ja": "状態ごとの件数", "en": "By status"},
    "attendees_all": {"ja": "すべて", "en": "All"},
    "attendees_search": {"ja": "検索", "en": "Search"},
    "attendees_search_help": {
        "ja": "氏名・フリガナ（ひらがな・カタカナ・半角カナのどれでも）・メールアドレス・所属・受付番号（#12 のように # を付けると番号だけ）。空白で区切るとすべてを含む登録を探します。",
        "en": "Name, reading (hiragana, katakana or half-width kana alike), email, "
              "affiliation or ticket number (#12 finds that number only). Several words "
              "find registrations matching all."},
    "attendees_status": {"ja": "状態", "en": "Status"},
    "attendees_checked_in": {"ja": "受付", "en": "Check-in"},
    "attendees_checked_in_yes": {"ja": "受付済み", "en": "Checked in"},
    "attendees_checked_in_no": {"ja": "未受付", "en": "Not checked in"},
    "attendees_filter": {"ja": "絞り込む", "en": "Filter"},
    "attendees_clear": {"ja": "条件をクリア", "en": "Clear"},
    "attendees_export": {"ja": "CSVをダウンロード（全件）", "en": "Download CSV (everyone)"},
    "attendees_range": {"ja": "{total} 件中 {first}〜{last} 件目", "en": "{first}–{last} of {total}"},
    "attendees_times_in": {"ja": "時刻は {tz} の現地時間です。", "en": "Times are local to {tz}."},
    "attendees_registered_at": {"ja": "登録日時", "en": "Registered"},
    "attendees_pages": {"ja": "ページ送り", "en": "Pages"},
    "attendees_prev": {"ja": "← 前の 50 件", "en": "← Previous 50"},
    "attendees_next": {"ja": "次の 50 件 →", "en": "Next 50 →"},
    "attendees_none": {"ja": "条件に合う登録はありません。", "en": "No registration matches."},
    "attendees_waiting_n": {"ja": "キャンセル待ち {n} 番目", "en": "Waiting list #{n}"},
    "attendees_detail_title": {"ja": "受付番号 {id}", "en": "Ticket {id}"},
    "attendees_back": {"ja": "参加者一覧へ戻る", "en": "Back to the attendees"},
    "attendees_locale": {"ja": "メールの言語", "en": "Mail language"},
    "attendees_locale_ja": {"ja": "日本語", "en": "Japanese"},
    "attendees_locale_en": {"ja": "英語", "en": "English"},
    "attendees_cancelled_by_attendee": {"ja": "本人がキャンセル（{at}）",
                                        "en": "Cancelled by the attendee ({at})"},
    "attendees_cancelled_by_organizer": {"ja": "主催者がキャンセル（{at}）",
                                         "en": "Cancelled by the organizers ({at})"},
    "attendees_cancelled_by_unknown": {"ja": "キャンセル（{at}）", "en": "Cancelled ({at})"},
    "attendees_reason": {"ja": "理由", "en": "Reason"},
    "attendees_actions": {"ja": "この登録の操作", "en": "Act on this registration"},
    "attendees_confirm_heading": {"ja": "キャンセル待ちから参加確定にする",
                                  "en": "Confirm from the waiting list"},
    "attendees_confirm_note": {
        "ja": "キャンセル待ちの順番にかかわらず参加確定にし、本人に繰り上げのお知らせメールを送ります。",
        "en": "Confirms this person ahead of the queue and mails them that they moved up."},
    "attendees_over_capacity_warning": {
        "ja": "{mode}は定員 {capacity} 名に対し、すでに {confirmed} 名が参加確定です。確定すると {after} 名になり、定員を超えます。",
        "en": "{mode} has {confirmed} confirmed for {capacity} seats. Confirming makes "
              "{after}: more than the capacity."},
    "attendees_over_capacity_ack": {"ja": "定員を超えて確定することを了承しました",
                                    "en": "I accept going over the capacity"},
    "attendees_confirm_button": {"ja": "参加確定にする", "en": "Confirm"},
    "attendees_move_heading": {"ja": "参加方法の変更", "en": "Change how they attend"},
    "attendees_move_note": {
        "ja": "変更先に空席があれば参加確定、満席ならキャンセル待ちの最後になります。今の席は次の方に繰り上がります。本人にメールで知らせます。",
        "en": "They get a seat if one is free, else they join the end of that waiting list; "
              "their current seat goes to the next person waiting. They are told by mail."},
    "attendees_seats_unlimited": {"ja": "{mode}: 定員なし", "en": "{mode}: no limit"},
    "attendees_seats_left": {"ja": "{mode}: 残り {n} 席", "en": "{mode}: {n} seats left"},
    "attendees_seats_full": {"ja": "{mode}: 満席（定員 {capacity} 名）",
                             "en": "{mode}: full ({capacity} seats)"},
    "attendees_move_ack": {
        "ja": "{mode}は満席のため、この方は参加確定からキャンセル待ちになることを了承しました",
        "en": "{mode} is full: I accept that this person goes from confirmed to its "
              "waiting list"},
    "attendees_move_button": {"ja": "{mode}に変更する", "en": "Move to {mode}"},
    "attendees_resend_heading": {"ja": "確認メールの再送", "en": "Send the confirmation again"},
    "attendees_resend_note": {
        "ja": "今の状態（参加確定またはキャンセル待ち）の確認メールをもう一度送ります。1 時間に 1 回までです。",
        "en": "Mails the confirmation of their current state (confirmed or waiting list) "
              "again. At most once an hour."},
    "attendees_resend_button": {"ja": "確認メールを再送する", "en": "Send again"},
    "attendees_cancel_heading": {"ja": "登録のキャンセル", "en": "Cancel this registration"},
    "attendees_cancel_note": {
        "ja": "主催者によるキャンセルとして本人にメールで知らせます。参加確定の席はキャンセル待ちの方に繰り上がります。取り消しはできません（本人は受付期間中なら再登録できます）。",
        "en": "The attendee is told by mail that the organizers cancelled it. A confirmed "
              "seat goes to the next person waiting. This cannot be undone (they may "
              "register again while registration is open)."},
    "attendees_cancel_reason": {"ja": "キャンセルの理由（任意）", "en": "Reason (optional)"},
    "attendees_cancel_reason_help": {"ja": "本人へのメールにそのまま記載されます。",
                                     "en": "Quoted as written in the attendee's mail."},
    "attendees_cancel_ack": {"ja": "この登録をキャンセルし、本人にメールで知らせます",
                             "en": "Cancel this registration and tell the attendee by mail"},
    "attendees_cancel_button": {"ja": "キャンセルする", "en": "Cancel the registration"},
    "attendees_messages": {"ja": "この方へのメール", "en": "Mail to this person"},
    "attendees_no_messages": {"ja": "まだメールはありません。", "en": "No mail yet."},
    "attendees_message_at": {"ja": "作成日時", "en": "Queued"},
    "attendees_message_purpose": {"ja": "内容", "en": "What"},
    "attendees_message_status": {"ja": "送信状況", "en": "Delivery"},
    "attendees_message_pending": {"ja": "送信待ち", "en": "Waiting"},
    "attendees_message_sending": {"ja": "送信中", "en": "Sending"},
    "attendees_message_sent": {"ja": "送信済み", "en": "Sent"},
    "attendees_message_failed": {"ja": "送信失敗", "en": "Failed"},
    "attendees_message_skipped": {"ja": "送信せず", "en": "Not sent"},
    "attendees_purpose_confirmed": {"ja": "参加確定", "en": "Confirmation"},
    "attendees_purpose_waitlisted": {"ja": "キャンセル待ち登録", "en": "Waiting list"},
    "attendees_purpose_promoted": {"ja": "繰り上げ", "en": "Moved up"},
    "attendees_purpose_attendance_changed": {"ja": "参加方法の変更", "en": "Attendance changed"},
    "attendees_purpose_cancelled": {"ja": "キャンセル", "en": "Cancellation"},
    "attendees_purpose_event_changed": {"ja": "開催内容の変更", "en": "Event changed"},
    "attendees_purpose_event_cancelled": {"ja": "開催中止", "en": "Event cancelled"},
    "attendees_purpose_reminder": {"ja": "リマインダー", "en": "Reminder"},
    "attendees_purpose_broadcast": {"ja": "お知らせ", "en": "Announcement"},
    "attendees_refused": {"ja": "この操作はできませんでした。ページを再読み込みしてください。",
                          "en": "This could not be done. Please reload the page."},
    "attendees_refused_registration_cancelled": {
        "ja": "この登録はすでにキャンセルされています。",
        "en": "This registration is cancelled already."},
    "attendees_refused_conflict": {
        "ja": "この登録はキャンセル待ちではなくなっています（現在: {status}）。",
        "en": "This registration is not on the waiting list any more (now: {status})."},
    "attendees_refused_attendance_not_offered": {
        "ja": "このイベントではその参加方法を選べません。",
        "en": "This event does not offer that way of attending."},
    "attendees_refused_too_many_attempts": {
        "ja": "確認メールは {last_at} に送信手続き済みです。再送は 1 時間に 1 回までのため、{allowed_at} 以降にお試しください。",
        "en": "A confirmation was queued at {last_at}. It can be sent again once an hour: "
              "try after {allowed_at}."},
    "console_notice_registration_cancelled": {
        "ja": "登録をキャンセルし、本人へのメールを送信待ちにしました。",
        "en": "The registration is cancelled; the attendee's mail is on its way."},
    "console_notice_registration_moved": {
        "ja": "参加方法を変更し、本人へのメールを送信待ちにしました。",
        "en": "Attendance changed; the attendee's mail is on its way."},
    "console_notice_registration_confirmed": {
        "ja": "参加確定にし、繰り上げのメールを送信待ちにしました。",
        "en": "Confirmed; the attendee's mail is on its way."},
    "console_notice_confirmation_resent": {
        "ja": "確認メールを送信待ちにしました。",
        "en": "The confirmation is on its way again."},
    "console_notice_registration_unchanged": {
        "ja": "参加方法はすでにそのとおりです。変更はありません。",
        "en": "They attend that way already: nothing changed."},
    "field_q": {"ja": "検索", "en": "Search"},
    "field_status": {"ja": "状態", "en": "Status"},
    "field_attendance": {"ja": "参加方法", "en": "Attendance"},
    "field_checked_in": {"ja": "受付", "en": "Check-in"},
    "field_after": {"ja": "ページ", "en": "Page"},
    "field_before": {"ja": "ページ", "en": "Page"},
    "field_cancel_reason": {"ja": "キャンセルの理由", "en": "Reason"},
    "field_cancel_confirm": {"ja": "キャンセルの確認", "en": "Confirmation"},
    "field_move_confirm": {"ja": "変更の確認", "en": "Confirmation"},
    "field_over_capacity": {"ja": "定員超過の了承", "en": "Going over the capacity"},
    "invalid_confirm_cancel": {"ja": "確認のチェックを入れてください。",
                               "en": "tick the box to confirm the cancellation"},
    "invalid_confirm_move": {"ja": "キャンセル待ちになることを了承するチェックを入れてください。",
                             "en": "tick the box to accept the waiting list"},
    "invalid_over_capacity": {
        "ja": "定員（{capacity} 名）を超えるため、了承のチェックを入れてください（現在 {confirmed} 名が参加確定）。",
        "en": "tick the box to go over the capacity of {capacity} ({confirmed} confirmed)"},
    # ---- console: dashboard, organizations, series, audit log (api/console/dashboard.py,
    # orgs.py, audit_log.py) ------------------------------------------------------------
    "console_required": {"ja": "必須", "en": "required"},
    "dash_upcoming": {"ja": "今後のイベント", "en": "Coming events"},
    "dash_empty_no_orgs": {"ja": "まだ団体が登録されていません。まず主催団体を登録してください。",
                           "en": "There is no organization yet. Start by adding the one "
                                 "that organizes events."},
    "dash_create_org": {"ja": "団体を登録する", "en": "Add an organization"},
    "dash_empty": {"ja": "予定しているイベントはまだありません。次の手順で始めましょう。",
                   "en": "No coming events yet. Here is where to start:"},
    "dash_step_event": {"ja": "最初のイベントを作成する", "en": "Create your first event"},
    "dash_step_org": {"ja": "団体の情報を確認し、同僚を招待する",
                      "en": "Check your organization's details and invite colleagues"},
    "dash_step_account": {"ja": "2 段階認証を設定してアカウントを守る",
                          "en": "Protect your account with two-step verification"},
    "dash_co_hosted": {"ja": "共催（主催: {owner}）", "en": "Co-hosted (organizer: {owner})"},
    "dash_seats": {"ja": "参加枠", "en": "Seats"},
    "dash_mode": {"ja": "参加方法", "en": "Attendance"},
    "dash_taken": {"ja": "参加確定", "en": "Taken"},
    "dash_waitlist": {"ja": "キャンセル待ち", "en": "Waiting list"},
    "dash_seats_of": {"ja": "{taken} / {capacity} 席", "en": "{taken} of {capacity} seats"},
    "dash_full": {"ja": "満席", "en": "full"},
    "dash_seats_unlimited": {"ja": "{taken} 名（定員なし）", "en": "{taken} (no limit)"},
    "dash_waitlist_total": {"ja": "キャンセル待ち: 合計 {n} 名", "en": "Waiting list: {n} in all"},
    "dash_no_sessions": {"ja": "セッションが未登録のため、参加枠はまだありません。",
                         "en": "No sessions yet, so no seats yet."},
    "dash_checked_in_today": {"ja": "本日の受付済み: {n} 名", "en": "Checked in today: {n}"},
    "dash_chart_title": {"ja": "過去 {days} 日間の 1 日ごとの申込数",
                         "en": "Registrations per day over the last {days} days"},
    "dash_chart_summary": {"ja": "過去 {days} 日間の申込: {n} 件。",
                           "en": "{n} registration(s) in the last {days} days."},
    "dash_chart_peak": {"ja": "最も多かったのは {day} の {n} 件です。",
                        "en": "The busiest day was {day}, with {n}."},
    "dash_links_for": {"ja": "{title} の管理", "en": "Manage {title}"},
    "dash_open_event": {"ja": "イベントを開く", "en": "Open the event"},
    "dash_attendees": {"ja": "申込者", "en": "Attendees"},
    "dash_mail": {"ja": "メール", "en": "Mail"},
    "dash_door": {"ja": "当日受付", "en": "Door"},
    "dash_relations": {"ja": "承認待ちの共催・後援などの依頼", "en": "Waiting for your consent"},
    "dash_relations_help": {
        "ja": "他の団体が、あなたの団体を共催・後援などとしてイベントに記載しました。承認すると、イベントページ・API・カレンダーフィードに表示されます。",
        "en": "Another organization named yours as a partner of its event. Once you accept, "
              "your organization appears on the event's page, in the API and in calendar "
              "feeds."},
    "rel_caption": {"ja": "回答をお待ちしている依頼", "en": "Waiting for your answer"},
    "rel_event": {"ja": "イベント", "en": "Event"},
    "rel_asked_by": {"ja": "依頼元（主催）", "en": "Asked by (organizer)"},
    "rel_role": {"ja": "役割", "en": "Role"},
    "rel_answer": {"ja": "回答", "en": "Answer"},
    "rel_accept": {"ja": "承認する", "en": "Accept"},
    "rel_decline": {"ja": "辞退する", "en": "Decline"},
    "org_name": {"ja": "団体名", "en": "Name"},
    "org_none": {"ja": "団体はまだ登録されていません。", "en": "No organizations yet."},
    "org_create": {"ja": "団体を登録する", "en": "Add an organization"},
    "org_slug_hint": {"ja": "半角の英小文字・数字・ハイフン（例: iajapan）。後から変更できません。",
                      "en": "Lower-case letters, digits and hyphens, e.g. iajapan. It cannot "
                            "be changed later."},
    "org_name_en_hint": {"ja": "空欄の場合は日本語の名前を使います。",
                         "en": "Left empty, the Japanese name is used."},
    "org_url_hint": {"ja": "https:// で始まる URL（任意）", "en": "An https:// address (optional)"},
    "org_slug_fixed": {"ja": "スラッグはページやカレンダーフィードの URL に使われるため、変更できません。",
                       "en": "The slug is part of page and feed addresses, so it stays."},
    "org_edit": {"ja": "団体の情報", "en": "Details"},
    "org_no_relations": {"ja": "回答をお待ちしている依頼はありません。",
                         "en": "Nothing waits for your answer."},
    "org_members": {"ja": "メンバー", "en": "Members"},
    "org_no_members": {"ja": "メンバーはまだいません。", "en": "No members yet."},
    "member_name": {"ja": "名前", "en": "Name"},
    "member_role": {"ja": "権限", "en": "Role"},
    "member_state": {"ja": "状態", "en": "State"},
    "member_actions": {"ja": "操作", "en": "Actions"},
    "member_active": {"ja": "有効", "en": "Active"},
    "member_invited": {"ja": "招待中（パスワード未設定）", "en": "Invited (no password yet)"},
    "member_disabled": {"ja": "無効", "en": "Disabled"},
    "member_totp": {"ja": "2 段階認証あり", "en": "two-step verification on"},
    "member_disable": {"ja": "無効にする", "en": "Disable"},
    "member_invite": {"ja": "同僚を招待する", "en": "Invite a colleague"},
    "member_invite_help": {
        "ja": "招待メールをお送りします。受け取った方はメールのリンク（72 時間有効）からパスワードを設定し、この団体の主催者としてログインできます。",
        "en": "We mail an invitation. With its link (valid for 72 hours) your colleague sets "
              "a password and logs in as an organizer of this organization."},
    "member_invite_send": {"ja": "招待メールを送る", "en": "Send the invitation"},
    "member_locale_ja": {"ja": "日本語", "en": "Japanese"},
    "member_locale_en": {"ja": "英語", "en": "English"},
    "org_feeds": {"ja": "連携用カレンダーフィード", "en": "Partner calendar feeds"},
    "org_feeds_help": {
        "ja": "この団体が主催・共催・後援などで関わるイベントの予定を、カレンダーアプリやウェブサイトに取り込めます。役割ごとのフィードもあります。",
        "en": "The events your organization takes part in, for calendar apps and websites; "
              "there is a feed for each role too."},
    "org_feed_roles": {"ja": "対象", "en": "Events"},
    "org_feed_url": {"ja": "URL", "en": "Address"},
    "org_feed_subscribe": {"ja": "購読", "en": "Subscribe"},
    "org_feed_all": {"ja": "すべての役割", "en": "Every role"},
    "org_feed_webcal": {"ja": "カレンダーアプリで購読", "en": "Subscribe in a calendar app"},
    "org_feeds_note": {
        "ja": "URL の末尾に ?lang=en（役割の指定があるときは &lang=en）を付けると英語のフィードになります。承認済みの関わりだけが載ります。",
        "en": "Add ?lang=en (or &lang=en after a role) for the feed in English. Only accepted "
              "relations are listed."},
    "series_help": {
        "ja": "シリーズは、定期的に開催するイベントのまとまりです（例: 年 2 回のシンポジウム）。シリーズの団体の主催者が、イベントをそのシリーズに追加できます。",
        "en": "A series groups recurring events (e.g. the twice-yearly symposium). Organizers "
              "of its organization add events to it."},
    "series_name": {"ja": "シリーズ名", "en": "Name"},
    "series_none": {"ja": "シリーズはまだありません。", "en": "No series yet."},
    "series_create": {"ja": "シリーズを作成する", "en": "Add a series"},
    "series_slug_hint": {"ja": "半角の英小文字・数字・ハイフン（例: oic-symposium）。後から変更できません。",
                         "en": "Lower-case letters, digits and hyphens, e.g. oic-symposium. "
                               "It cannot be changed later."},
    "series_no_org": {"ja": "なし（管理者だけがイベントを追加できます）",
                      "en": "None (only admins add events)"},
    "series_org_hint": {"ja": "この団体の主催者だけが、イベントをこのシリーズに追加できます。",
                        "en": "Only organizers of this organization add events to the series."},
    "series_feed": {"ja": "このシリーズのカレンダーフィード", "en": "This series' calendar feed"},
    "field_org_slug": {"ja": "スラッグ（URL に使う名前）", "en": "Slug (the name in addresses)"},
    "field_org_name_ja": {"ja": "団体名（日本語）", "en": "Name (Japanese)"},
    "field_org_name_en": {"ja": "団体名（英語）", "en": "Name (English)"},
    "field_org_url": {"ja": "ウェブサイト", "en": "Website"},
    "field_invite_email": {"ja": "招待する方のメールアドレス", "en": "Your colleague's email"},
    "field_invite_name": {"ja": "名前（任意）", "en": "Name (optional)"},
    "field_invite_locale": {"ja": "メールの言語", "en": "Language of the mail"},
    "field_series_slug": {"ja": "スラッグ（URL に使う名前）", "en": "Slug (the name in addresses)"},
    "field_series_name_ja": {"ja": "シリーズ名（日本語）", "en": "Name (Japanese)"},
    "field_series_name_en": {"ja": "シリーズ名（英語）", "en": "Name (English)"},
    "field_series_organization": {"ja": "団体", "en": "Organization"},
    "field_audit_action": {"ja": "操作", "en": "Action"},
    "field_audit_event": {"ja": "イベント", "en": "Event"},
    "field_audit_cursor": {"ja": "ページ", "en": "Page"},
    "field_audit_limit": {"ja": "件数", "en": "Page size"},
    "console_taken_slug": {"ja": "このスラッグはすでに使われています。別の名前にしてください。",
                           "en": "This slug is taken; choose another."},
    "console_taken_email": {"ja": "このメールアドレスのアカウントはすでにあります。",
                            "en": "An account with this address exists already."},
    "invalid_series_org_not_yours": {"ja": "自分の団体のシリーズだけを作成できます。",
                                     "en": "organizers add series to their own organization "
                                           "only"},
    "console_notice_relation_accepted": {"ja": "承認しました。イベントに表示されます。",
                                         "en": "Accepted: your organization now appears on "
                                               "the event."},
    "console_notice_relation_declined": {"ja": "辞退しました。", "en": "Declined."},
    "console_notice_org_created": {"ja": "団体を登録しました。", "en": "Organization added."},
    "console_notice_org_saved": {"ja": "保存しました。", "en": "Saved."},
    "console_notice_org_unchanged": {"ja": "変更はありませんでした。", "en": "Nothing changed."},
    "console_notice_member_invited": {"ja": "招待メールを送信待ちにしました。まもなく届きます。",
                                      "en": "The invitation is queued and goes out shortly."},
    "console_notice_member_disabled": {"ja": "アカウントを無効にしました。",
                                       "en": "The account is disabled."},
    "console_notice_series_created": {"ja": "シリーズを作成しました。", "en": "Series added."},
    "console_notice_series_saved": {"ja": "保存しました。", "en": "Saved."},
    "console_notice_series_unchanged": {"ja": "変更はありませんでした。",
                                        "en": "Nothing changed."},
    "audit_help_admin": {"ja": "すべての操作の記録です（新しい順）。",
                         "en": "Every recorded action, newest first."},
    "audit_help_organizer": {"ja": "あなたの団体と、その主催イベントに関する操作の記録です（新しい順）。",
                             "en": "What was done in your organization and its events, newest "
                                   "first."},
    "audit_filters": {"ja": "絞り込み", "en": "Filters"},
    "audit_any": {"ja": "すべて", "en": "Any"},
    "audit_filter": {"ja": "絞り込む", "en": "Filter"},
    "audit_clear": {"ja": "条件をクリア", "en": "Clear the filters"},
    "audit_caption": {"ja": "時刻は {tz} の現地時間です。", "en": "Times are local to {tz}."},
    "audit_time": {"ja": "日時", "en": "Time"},
    "audit_who": {"ja": "実行者", "en": "Who"},
    "audit_client": {"ja": "接続元", "en": "Client"},
    "audit_target": {"ja": "対象", "en": "Target"},
    "audit_changes": {"ja": "変更内容（変更前 → 変更後）", "en": "Changes (old → new)"},
    "audit_none": {"ja": "該当する記録はありません。", "en": "No entries."},
    "audit_pages": {"ja": "ページ送り", "en": "Pages"},
    "audit_newest": {"ja": "最新の記録に戻る", "en": "Newest entries"},
    "audit_older": {"ja": "さらに古い記録", "en": "Older entries"},
    "audit_n_changes": {"ja": "{n} 項目の変更", "en": "{n} changed fields"},
    "audit_login": {"ja": "ログイン", "en": "Logged in"},
    "audit_login_failed": {"ja": "ログイン失敗", "en": "Login failed"},
    "audit_logout": {"ja": "ログアウト", "en": "Logged out"},
    "audit_password_changed": {"ja": "パスワード変更", "en": "Password changed"},
    "audit_password_reset_requested": {"ja": "パスワード再設定の依頼",
                                       "en": "Password reset asked for"},
    "audit_password_reset": {"ja": "リンクからパスワードを設定", "en": "Password set by link"},
    "audit_totp_enabled": {"ja": "2 段階認証を有効化", "en": "Two-step verification on"},
    "audit_totp_disabled": {"ja": "2 段階認証を無効化", "en": "Two-step verification off"},
    "audit_user_invited": {"ja": "アカウントへの招待", "en": "Account invited"},
    "audit_user_created": {"ja": "アカウント作成", "en": "Account created"},
    "audit_user_disabled": {"ja": "アカウントの無効化", "en": "Account disabled"},
    "audit_event_created": {"ja": "イベント作成", "en": "Event created"},
    "audit_event_changed": {"ja": "イベント変更", "en": "Event changed"},
    "audit_registration_cancelled": {"ja": "申込のキャンセル", "en": "Registration cancelled"},
    "audit_registration_moved": {"ja": "申込の移動", "en": "Registration moved"},
    "audit_registration_confirmed": {"ja": "申込の確定", "en": "Registration confirmed"},
    "audit_confirmation_resent": {"ja": "確認メールの再送", "en": "Confirmation sent again"},
    "audit_broadcast_sent": {"ja": "お知らせメール送信", "en": "Announcement sent"},
    "audit_message_retried": {"ja": "メールの再送", "en": "Message sent again"},
    "audit_key_created": {"ja": "API キーの発行", "en": "API key created"},
    "audit_key_revoked": {"ja": "API キーの失効", "en": "API key revoked"},
    "audit_relation_accepted": {"ja": "共催・後援などの承認", "en": "Relation accepted"},
    "audit_relation_declined": {"ja": "共催・後援などの辞退", "en": "Relation declined"},
    "audit_organization_created": {"ja": "団体の登録", "en": "Organization added"},
    "audit_organization_changed": {"ja": "団体情報の変更", "en": "Organization changed"},
    "audit_series_created": {"ja": "シリーズ作成", "en": "Series added"},
    "audit_series_changed": {"ja": "シリーズ変更", "en": "Series changed"},
    "audit_registrations_exported": {"ja": "申込者一覧の書き出し", "en": "Registrations exported"},
    "audit_admin_totp_required": {"ja": "管理者に 2 段階認証を必須化",
                                  "en": "Two-step verification required of admins"},
    "audit_admin_totp_optional": {"ja": "管理者の 2 段階認証を任意に変更",
                                  "en": "Two-step verification optional for admins"},
    # ---- the console: the event editor (api/console/events.py) -------------------------
    "console_notice_event_created": {"ja": "イベントを作成しました。",
                                     "en": "The event is created."},
    "console_notice_event_saved": {"ja": "イベントを保存しました。", "en": "The event is saved."},
    "ev_nav": {"ja": "このイベントの管理", "en": "This event"},
    "ev_nav_edit": {"ja": "編集", "en": "Edit"},
    "ev_nav_registrants": {"ja": "参加者", "en": "Registrants"},
    "ev_nav_mail": {"ja": "メール", "en": "Mail"},
    "ev_nav_door": {"ja": "受付", "en": "Door"},
    "ev_nav_public": {"ja": "公開ページ", "en": "Public page"},
    "ev_new_help": {
        "ja": "下書きとして保存すると公開されません。内容を確認してから「開催予定」にして公開してください。",
        "en": "A draft is not public. Check it, then set it to Scheduled to publish it."},
    "ev_create": {"ja": "作成する", "en": "Create the event"},
    "ev_basics": {"ja": "基本情報", "en": "About the event"},
    "ev_slug_hint": {"ja": "URL に使われます（例: oic-symposium-2021）。半角英小文字・数字・ハイフン。後から変更できません。",
                     "en": "Used in its address (e.g. oic-symposium-2021): lower-case "
                           "letters, digits and hyphens. It cannot be changed later."},
    "ev_slug_fixed": {"ja": "（URL の一部のため変更できません）",
                      "en": "(part of its address: cannot be changed)"},
    "ev_en_fallback": {"ja": "空欄の場合は日本語を表示します。",
                       "en": "Left empty, the Japanese text is shown."},
    "ev_status_help": {
        "ja": "下書きは公開されません。公開・延期・中止や日時・会場の変更では、保存の前に参加登録者へのお知らせメールを確認します。",
        "en": "Drafts are not public. Publishing, postponing or cancelling, and changes of "
              "time or place, ask you to confirm the mail to registrants before saving."},
    "ev_no_series": {"ja": "（シリーズなし）", "en": "(no series)"},
    "ev_timezone_hint": {"ja": "日時はこのタイムゾーンで入力・表示します（例: Asia/Tokyo）。",
                         "en": "Times are entered and shown in this time zone "
                               "(e.g. Asia/Tokyo)."},
    "ev_sessions": {"ja": "日時・プログラム", "en": "Sessions"},
    "ev_sessions_help": {
        "ja": "各セッションの日時を {tz} の現地時間で入力します。会場開催・ハイブリッド・オンラインの別はセッションごとに選べます。",
        "en": "Enter each session's times in local time ({tz}). Each session is at the "
              "venue, hybrid or online."},
    "ev_session_n": {"ja": "セッション {n}", "en": "Session {n}"},
    "ev_session_start_date": {"ja": "開始日", "en": "Date"},
    "ev_session_start_time": {"ja": "開始時刻", "en": "Starts"},
    "ev_session_end_time": {"ja": "終了時刻", "en": "Ends"},
    "ev_session_end_date": {"ja": "終了日", "en": "End date"},
    "ev_end_date_hint": {"ja": "日をまたぐ場合のみ", "en": "Only if it ends on a later day"},
    "ev_session_format": {"ja": "開催形式", "en": "Format"},
    "ev_session_title_ja": {"ja": "セッション名（日本語）", "en": "Session title (Japanese)"},
    "ev_session_title_en": {"ja": "セッション名（英語）", "en": "Session title (English)"},
    "ev_session_title_hint": {"ja": "空欄の場合はイベント名を表示します。",
                              "en": "Left empty, the event's title is shown."},
    "ev_session_venue_name": {"ja": "このセッションの会場", "en": "Venue of this session"},
    "ev_session_venue_address": {"ja": "このセッションの会場の住所",
                                 "en": "Address of this session's venue"},
    "ev_session_venue_hint": {"ja": "空欄の場合はイベントの会場です。",
                              "en": "Left empty, the event's venue."},
    "ev_session_id": {"ja": "セッション", "en": "Session"},
    "ev_add_session": {"ja": "セッションを追加", "en": "Add a session"},
    "ev_remove_session": {"ja": "セッション {n} を削除", "en": "Remove session {n}"},
    "ev_no_sessions": {"ja": "セッションはまだありません。", "en": "No sessions yet."},
    "ev_place": {"ja": "会場・配信", "en": "Venue and stream"},
    "ev_map_hint": {"ja": "地図へのリンク（https://…）", "en": "A link to a map (https://…)"},
    "ev_stream_hint": {"ja": "オンライン参加が確定した人にだけ知らせます。公開ページには表示しません。",
                       "en": "Given only to confirmed online attendees; never on the "
                             "public page."},
    "ev_stream_hidden": {"ja": "配信 URL は主催団体だけが見られます。",
                         "en": "The stream link is shown to the organizing organization only."},
    "ev_registration": {"ja": "参加登録", "en": "Registration"},
    "ev_capacity_hint": {"ja": "空欄は定員なし", "en": "Empty: no limit"},
    "ev_capacity_hint_confirmed": {"ja": "空欄は定員なし。現在の参加確定: {n} 人",
                                   "en": "Empty: no limit. Confirmed now: {n}"},
    "ev_opens_hint": {"ja": "空欄の場合はすぐに受け付けます。", "en": "Empty: open now."},
    "ev_closes_hint": {"ja": "空欄の場合は最後のセッションの開始まで受け付けます。",
                       "en": "Empty: open until the last session starts."},
    "ev_membership_help": {
        "ja": "参加登録フォームの「会員区分」に表示する選択肢です。「一般（非会員）」は常に表示されます。",
        "en": "What the registration form offers as membership; \"Not a member\" is always "
              "offered."},
    "ev_membership_org": {"ja": "{name} 会員", "en": "Member of {name}"},
    "ev_contact_hint": {"ja": "参加者に問い合わせ先として表示します。",
                        "en": "Shown to attendees as the contact for questions."},
    "ev_partners": {"ja": "主催・共催・後援など", "en": "Organizers and partners"},
    "ev_partners_help": {
        "ja": "最初の「主催」がこのイベントを管理する団体です。他の団体の名前を載せるには、その団体の承諾が必要です（承諾されるまで公開されません）。",
        "en": "The first organizer manages the event. Naming another organization needs its "
              "consent: until it accepts, the relation is not public."},
    "ev_partner_n": {"ja": "団体 {n}", "en": "Partner {n}"},
    "ev_partner_org": {"ja": "団体", "en": "Organization"},
    "ev_partner_role": {"ja": "役割", "en": "Role"},
    "ev_choose_org": {"ja": "団体を選んでください", "en": "Choose an organization"},
    "ev_pending_consent": {"ja": "承諾待ち", "en": "Waiting for consent"},
    "ev_add_partner": {"ja": "団体を追加", "en": "Add an organization"},
    "ev_remove_partner": {"ja": "団体 {n} を削除", "en": "Remove partner {n}"},
    "ev_share_help": {
        "ja": "チェックすると、共催団体の担当者も参加者の一覧を見られます。参加登録フォームの個人情報の取り扱いに、共催団体を共同利用者として表示します（共同利用）。",
        "en": "Co-host organizers then see the registrants too. The registration form's "
              "privacy notice names the co-hosts as joint users of the data (共同利用)."},
    "ev_readonly": {"ja": "共催団体として閲覧しています。変更できるのは主催団体だけです。",
                    "en": "You see this as a co-host: only the organizing organization can "
                          "change it."},
    "ev_field_slug": {"ja": "スラッグ（URL 名）", "en": "Slug (address name)"},
    "ev_field_title_ja": {"ja": "イベント名（日本語）", "en": "Title (Japanese)"},
    "ev_field_title_en": {"ja": "イベント名（英語）", "en": "Title (English)"},
    "ev_field_summary_ja": {"ja": "概要（日本語）", "en": "Summary (Japanese)"},
    "ev_field_summary_en": {"ja": "概要（英語）", "en": "Summary (English)"},
    "ev_field_description_ja": {"ja": "詳細（日本語）", "en": "Description (Japanese)"},
    "ev_field_description_en": {"ja": "詳細（英語）", "en": "Description (English)"},
    "ev_field_status": {"ja": "公開状態", "en": "Status"},
    "ev_field_series": {"ja": "シリーズ", "en": "Series"},
    "ev_field_timezone": {"ja": "タイムゾーン", "en": "Time zone"},
    "ev_field_date_tbd": {"ja": "開催日未定", "en": "Date to be announced"},
    "ev_field_sessions": {"ja": "日時・プログラム", "en": "Sessions"},
    "ev_field_venue_name": {"ja": "会場名（日本語）", "en": "Venue (Japanese)"},
    "ev_field_venue_name_en": {"ja": "会場名（英語）", "en": "Venue (English)"},
    "ev_field_venue_address": {"ja": "住所（日本語）", "en": "Address (Japanese)"},
    "ev_field_venue_address_en": {"ja": "住所（英語）", "en": "Address (English)"},
    "ev_field_venue_map_url": {"ja": "地図のリンク", "en": "Map link"},
    "ev_field_stream_url": {"ja": "配信 URL", "en": "Stream link"},
    "ev_field_venue_capacity": {"ja": "会場参加の定員", "en": "Venue seats"},
    "ev_field_online_capacity": {"ja": "オンライン参加の定員", "en": "Online seats"},
    "ev_field_opens_date": {"ja": "受付開始日", "en": "Registration opens (date)"},
    "ev_field_opens_time": {"ja": "受付開始時刻", "en": "Registration opens (time)"},
    "ev_field_closes_date": {"ja": "受付終了日", "en": "Registration closes (date)"},
    "ev_field_closes_time": {"ja": "受付終了時刻", "en": "Registration closes (time)"},
    "ev_field_registration_opens_at": {"ja": "受付開始", "en": "Registration opens"},
    "ev_field_registration_closes_at": {"ja": "受付終了", "en": "Registration closes"},
    "ev_field_membership": {"ja": "会員区分の選択肢", "en": "Membership choices"},
    "ev_field_membership_choices": {"ja": "会員区分の選択肢", "en": "Membership choices"},
    "ev_field_contact_email": {"ja": "問い合わせ先メールアドレス", "en": "Contact address"},
    "ev_field_partners": {"ja": "主催・共催・後援など", "en": "Organizers and partners"},
    "ev_field_share_registrants": {"ja": "参加者情報を共催団体と共有する",
                                   "en": "Share the registrants with the co-hosts"},
    "ev_error_slug_taken": {"ja": "このスラッグは既に使われています。別の名前にしてください。",
                            "en": "This slug is taken: choose another."},
    "ev_error_own_organizer": {
        "ja": "あなたの団体を最初の「主催」にしてください。",
        "en": "Your organization must be the first organizer."},
    "ev_stale_title": {"ja": "他の人が先に保存しました",
                       "en": "Someone else saved this event first"},
    "ev_stale_help": {
        "ja": "このページを開いた後に、別の人がこのイベントを変更して保存しました。あなたの入力内容は下のフォームに残っています。最新の内容と見比べてから、もう一度保存してください（保存すると相手の変更は上書きされます）。",
        "en": "Someone changed and saved this event after you opened it. What you typed is "
              "kept in the form below: compare it with the saved event, then save again "
              "(saving replaces their change)."},
    "ev_stale_differences": {"ja": "保存されている内容とあなたの入力の違い",
                             "en": "Where the saved event and your input differ"},
    "ev_stale_saved": {"ja": "保存されている内容", "en": "Saved now"},
    "ev_stale_yours": {"ja": "あなたの入力", "en": "Your input"},
    "ev_stale_open_current": {"ja": "保存されている最新の内容を別のタブで開く",
                              "en": "Open the saved event in a new tab"},
    "ev_confirm_title": {"ja": "変更の確認", "en": "Confirm the change"},
    "ev_confirm_status": {"ja": "公開状態: {old} → {new}", "en": "Status: {old} → {new}"},
    "ev_confirm_mail": {
        "ja": "保存すると、参加登録者 {n} 人（参加確定・キャンセル待ち）に「{purpose}」のメールを送ります。",
        "en": "Saving mails \"{purpose}\" to {n} registrant(s) (confirmed and waiting)."},
    "ev_confirm_no_mail": {"ja": "この変更ではメールは送られません。",
                           "en": "No mail goes out for this change."},
    "ev_confirm_nobody": {"ja": "参加登録者がまだいないため、メールは送られません。",
                          "en": "Nobody has registered yet, so no mail goes out."},
    "ev_membership_others": {"ja": "他の団体の会員を選択肢に加える",
                             "en": "Offer the members of other organizations"},
    "ev_confirm_capacity": {
        "ja": "{mode}の定員を {capacity} 人にしますが、すでに {confirmed} 人が参加確定しています。確定済みの人はそのまま参加できます。確定が定員を下回るまで、新しい登録はキャンセル待ちになります。",
        "en": "{mode}: the new capacity is {capacity}, but {confirmed} are confirmed already. "
              "They keep their seats; new registrations join the waiting list until fewer "
              "are confirmed than the capacity."},
    "ev_confirm_changes": {"ja": "変更する項目", "en": "What changes"},
    "ev_change_field": {"ja": "項目", "en": "Field"},
    "ev_change_old": {"ja": "変更前", "en": "Before"},
    "ev_change_new": {"ja": "変更後", "en": "After"},
    "ev_confirm_save": {"ja": "保存する", "en": "Save"},
    "ev_confirm_save_mail": {"ja": "保存して {n} 人にメールを送る",
                             "en": "Save and mail {n} registrant(s)"},
    "ev_confirm_back": {"ja": "戻って修正する", "en": "Back to the form"},
    "ev_purpose_event_changed": {"ja": "開催内容変更のお知らせ", "en": "The event has changed"},
    "ev_purpose_event_cancelled": {"ja": "開催中止のお知らせ", "en": "The event is cancelled"},
    "ev_yes": {"ja": "はい", "en": "Yes"},
    "ev_no": {"ja": "いいえ", "en": "No"},
    "ev_preview": {"ja": "プレビュー", "en": "Preview"},
    "ev_preview_draft": {"ja": "この下書きはまだ公開されていません。公開するとこのように表示されます。",
                         "en": "This draft is not public yet; published, it looks like this."},
    "ev_preview_public": {"ja": "公開ページと同じ内容です（承諾待ちの団体は表示されません）。",
                          "en": "As the public sees it (organizations yet to consent are not "
                                "shown)."},
    "ev_back_to_editor": {"ja": "編集に戻る", "en": "Back to the editor"},
    "invalid_date_and_time": {"ja": "日付と時刻の両方を入力してください。",
                              "en": "needs both a date and a time"},
    # ---- public pages: registration state, search, venue, calendar, sharing (api/pages.py) --
    "avail_open": {"ja": "受付中", "en": "Open for registration"},
    "avail_few_left": {"ja": "残りわずか", "en": "Few seats left"},
    "avail_full": {"ja": "満席（キャンセル待ち）", "en": "Full (waiting list)"},
    "avail_not_open": {"ja": "受付前", "en": "Not open yet"},
    "avail_not_open_at": {"ja": "受付前（{when} 開始）", "en": "Not open yet (opens {when})"},
    "avail_closed": {"ja": "受付終了", "en": "Registration closed"},
    "avail_ended": {"ja": "終了", "en": "Ended"},
    "avail_cancelled": {"ja": "中止", "en": "Cancelled"},
    "avail_postponed": {"ja": "延期", "en": "Postponed"},
    "avail_seats_open": {"ja": "受付中", "en": "open"},
    "avail_seats_left": {"ja": "残り {n} 席", "en": "{n} seats left"},
    "avail_seats_few": {"ja": "残りわずか（残り {n} 席）", "en": "few seats left ({n})"},
    "avail_seats_full": {"ja": "満席（キャンセル待ち）", "en": "full (waiting list)"},
    "avail_mode": {"ja": "{mode}：{seats}", "en": "{mode}: {seats}"},
    "register_waitlist": {"ja": "キャンセル待ちに登録", "en": "Join the waiting list"},
    "avail_deadline": {"ja": "受付締切: {when}", "en": "Registration closes: {when}"},
    "avail_waitlist_note": {
        "ja": "満席の参加方法を選ぶと、キャンセル待ちとして登録されます（席が空くと順番に繰り上がります）。",
        "en": "If you choose a way of attending that is full, you join its waiting list "
              "(people move up in order as seats free up)."},
    "starts_at": {"ja": "開始", "en": "Starts"},
    "starts_at_postponed": {"ja": "当初の開始", "en": "Was to start"},
    "organizer": {"ja": "主催", "en": "Organizer"},
    "online_only": {"ja": "オンライン", "en": "Online"},
    "venue_and_online": {"ja": "{venue}・オンライン", "en": "{venue} and online"},
    "venue_map": {"ja": "地図を開く", "en": "Open a map"},
    "venue_address": {"ja": "住所", "en": "Address"},
    "venue_address_local": {"ja": "住所（日本語）", "en": "Address in Japanese"},
    "contact": {"ja": "問い合わせ先", "en": "Contact"},
    "search_heading": {"ja": "イベントを探す", "en": "Find events"},
    "search_q": {"ja": "キーワード", "en": "Keywords"},
    "search_format": {"ja": "開催形式", "en": "Format"},
    "search_org": {"ja": "団体", "en": "Organization"},
    "search_month": {"ja": "開催月", "en": "Month"},
    "search_any": {"ja": "すべて", "en": "Any"},
    "search_filters": {"ja": "絞り込み（開催形式・団体・シリーズ・開催月）",
                       "en": "Filters (format, organization, series, month)"},
    "search_submit": {"ja": "検索", "en": "Search"},
    "search_clear": {"ja": "条件をクリア", "en": "Clear filters"},
    "search_results": {"ja": "検索結果", "en": "Search results"},
    "search_count": {"ja": "{n} 件", "en": "{n} found"},
    "search_more": {"ja": "さらに表示", "en": "More results"},
    "search_bad_month": {"ja": "開催月は 2098-04 のように年と月で指定してください。",
                         "en": "Give the month as year and month, like 2098-04."},
    "search_no_match": {"ja": "条件に合うイベントはありません。",
                        "en": "No events match these filters."},
    "calendar_add_google": {"ja": "Google カレンダーに追加", "en": "Add to Google Calendar"},
    "calendar_add_google_session": {"ja": "Google カレンダーに追加: {when}",
                                    "en": "Add to Google Calendar: {when}"},
    "calendar_add_ics": {"ja": "カレンダーファイル (.ics) をダウンロード（Apple カレンダー・Outlook など）",
                         "en": "Download a calendar file (.ics) for Apple Calendar, "
                               "Outlook and others"},
    "calendar_subscribe_note": {
        "ja": "購読すると、日時や会場が変わったときもカレンダーが自動で更新されます。",
        "en": "Subscribing keeps your calendar up to date when times or places change."},
    "calendar_subscribe_google": {"ja": "Google カレンダーで購読",
                                  "en": "Subscribe in Google Calendar"},
    # Registering twice, and "lost your ticket link?" (events.registration, api.ticket_link)
    "console_mail_purpose_ticket_link": {"ja": "チケットのリンク", "en": "Ticket link"},
    "attendees_purpose_ticket_link": {"ja": "チケットのリンク", "en": "Ticket link"},
    "lost_link_heading": {"ja": "チケットのリンクをなくしたときは",
                          "en": "Lost your ticket link?"},
    "lost_link_hint": {
        "ja": "登録したメールアドレスを入力してください。このイベントに登録されていれば、"
              "チケットのリンクをそのアドレスにお送りします。",
        "en": "Enter the email address you registered with. If it is registered for this "
              "event, we mail its ticket link to it."},
    "lost_link_submit": {"ja": "リンクを送る", "en": "Mail me the link"},
    "lost_link_sent": {
        "ja": "このメールアドレスがこのイベントに登録されていれば、チケットのリンクをお送りしました"
              "（同じ登録へのお送りは1時間に1回までです）。届かない場合は迷惑メールフォルダもご確認ください。",
        "en": "If this address is registered for the event, we have mailed its ticket link "
              "to it (at most once an hour). If nothing arrives, check your spam folder."},
    "lost_link_title": {"ja": "チケットのリンクの再送", "en": "Mail my ticket link again"},
    "lost_link_confirm": {"ja": "確認のため、もう一度「リンクを送る」を押してください。",
                          "en": "To confirm, press \"Mail me the link\" once more."},
    # ---- privacy: the notice, consent, retention, the attendee's data (events/privacy.py,
    # api/privacy.py, templates/_privacy.html, erase.html) ---------------------------------
    "privacy_heading": {"ja": "個人情報の取り扱い", "en": "Privacy notice"},
    "privacy_purpose": {"ja": "利用目的", "en": "Purpose"},
    "privacy_purpose_default": {
        "ja": "このイベントの参加受付、参加者への連絡、当日の受付と参加者数の集計のため",
        "en": "To register you for this event, send you messages about it, admit you at "
              "the door and count attendance"},
    "privacy_joint_use": {"ja": "利用する者", "en": "Who uses it"},
    "privacy_joint_users": {"ja": "主催者と共催者（{users}）が共同で利用します。",
                            "en": "Used jointly by the organizer and the co-hosts {users}."},
    "privacy_joint_none": {"ja": "主催者のみが利用し、第三者には提供しません。",
                           "en": "Used by the organizer only, never shared with anyone else."},
    "privacy_retention": {"ja": "保存期間", "en": "How long it is kept"},
    "privacy_retention_days": {
        "ja": "イベント最終日の翌日から {days} 日後に、氏名・メールアドレスなどを消去します。",
        "en": "{days} days after the event's last day, your name, email and other details "
              "are erased."},
    "privacy_version": {"ja": "版 {n}", "en": "Version {n}"},
    "your_data_heading": {"ja": "あなたのデータ", "en": "Your data"},
    "your_data_note": {"ja": "この登録について保存している情報をすべてダウンロードするか、消去を依頼できます。",
                       "en": "Download everything kept about this registration, or have it "
                             "erased."},
    "your_data_export": {"ja": "データをダウンロード（JSON）", "en": "Download my data (JSON)"},
    "your_data_erase": {"ja": "データを消去する", "en": "Erase my data"},
    "your_data_erased": {"ja": "この登録の個人情報は {when} に消去されました。",
                         "en": "The personal data of this registration was erased on {when}."},
    "your_data_consent": {"ja": "同意した個人情報の取り扱い: 版 {n}（{when}）",
                          "en": "Privacy notice agreed to: version {n} ({when})"},
    "erase_title": {"ja": "データの消去", "en": "Erase my data"},
    "erase_confirm_upcoming": {
        "ja": "登録をキャンセルし（席はキャンセル待ちの方に回ります）、氏名・メールアドレス・所属などを消去します。元に戻せません。",
        "en": "Your registration is cancelled (its seat goes to the waiting list) and your "
              "name, email and affiliation are erased. This cannot be undone."},
    "erase_confirm_past": {
        "ja": "氏名・メールアドレス・所属などを消去します。参加人数の集計には残ります。元に戻せません。",
        "en": "Your name, email and affiliation are erased; the attendance count keeps "
              "you as a number. This cannot be undone."},
    "erase_yes": {"ja": "消去する", "en": "Yes, erase"},
    "erase_no": {"ja": "戻る", "en": "Go back"},
    "audit_registrations_purged": {"ja": "保存期間切れの個人情報の消去",
                                   "en": "Personal data purged (retention)"},
    "audit_registration_data_exported": {"ja": "参加者によるデータの書き出し",
                                         "en": "Attendee downloaded their data"},
    "audit_registration_erased": {"ja": "参加者によるデータの消去",
                                  "en": "Attendee erased their data"},
    # Abuse limits: rate limits, the proof-of-work challenge, Idempotency-Key
    "refused_rate_limited": {
        "ja": "このネットワークからの登録が短時間に多すぎます。しばらくしてからもう一度お試しください。",
        "en": "Too many registrations from your network in a short time. Please try again "
              "later."},
    "rate_limited_title": {"ja": "しばらくお待ちください", "en": "Please wait a moment"},
    "rate_limited_retry": {"ja": "約 {minutes} 分後にもう一度お試しください。",
                           "en": "Please try again in about {minutes} minutes."},
    "challenge_label": {"ja": "ロボットでないことの確認", "en": "Check that you are not a robot"},
    "challenge_working": {"ja": "確認しています。送信ボタンはまもなく押せるようになります…",
                          "en": "Checking… the submit button is ready in a moment."},
    "challenge_done": {"ja": "確認できました。", "en": "Checked."},
    "challenge_error": {"ja": "確認できませんでした。ページを再読み込みしてください。",
                        "en": "The check did not work. Please reload the page."},
    "challenge_needs_js": {
        "ja": "この登録フォームでは、自動登録を防ぐため、ブラウザーで小さな計算をしています。JavaScript を有効にしてから、ページを再読み込みしてください。",
        "en": "To keep out automated sign-ups, this form has your browser do a small "
              "calculation. Please turn on JavaScript and reload the page."},
    "invalid_challenge_required": {
        "ja": "自動登録を防ぐための確認が済んでいません。JavaScript を有効にして、もう一度送信してください。",
        "en": "The check against automated sign-ups is missing: with JavaScript on, "
              "send the form again (API: solve the event's challenge)."},
    "invalid_challenge_failed": {
        "ja": "自動登録を防ぐための確認が無効か期限切れです。もう一度送信してください。",
        "en": "The check against automated sign-ups is invalid, used or expired: "
              "send the form again (API: solve a new challenge)."},
    "invalid_idempotency_key": {
        "ja": "Idempotency-Key は 1〜200 文字の ASCII 印字可能文字で指定してください。",
        "en": "An Idempotency-Key is 1 to 200 printable ASCII characters."},
    # ---- bounded requests (api/security.py) ---------------------------------------------
    "refused_too_large": {"ja": "送信されたデータが大きすぎます。入力を短くしてもう一度お試しください。",
                          "en": "What you sent is too large. Shorten it and try again."},
    "error_status_413": {"ja": "送信されたデータが大きすぎます。", "en": "What you sent is too large."},
    "error_status_415": {"ja": "この形式のデータは受け付けていません。",
                         "en": "This kind of content is not accepted here."},
    "refused_unknown_host": {"ja": "このアドレスではこのサイトを表示できません。",
                             "en": "This site does not answer at this address."},
    # ---- calendar invitations and change mail (events/mail.py) ----------------------------
    "mail_changes": {"ja": "変更点", "en": "What changed"},
    "mail_change_status": {"ja": "開催状況: {old} → {new}", "en": "Status: {old} → {new}"},
    "mail_change_time": {"ja": "日時: {old} → {new}", "en": "Time: {old} → {new}"},
    "mail_change_place": {"ja": "会場: {old} → {new}", "en": "Place: {old} → {new}"},
    "mail_change_added": {"ja": "追加: {when}", "en": "Added: {when}"},
    "mail_change_removed": {"ja": "取りやめ: {when}", "en": "Removed: {when}"},
    "mail_change_unset": {"ja": "未定", "en": "not set"},
    "mail_removed_gone": {"ja": "プログラムから削除された回", "en": "A session removed from the programme"},
    # Confirm email first (api.confirm, events.holds): the seat is held until the
    # attendee opens the mailed link.
    "confirm_check_email": {"ja": "メールをご確認ください",
                            "en": "Please check your email"},
    "confirm_check_email_text": {
        "ja": "入力されたメールアドレスに案内を送りました。メール内のリンクを{minutes}分以内に"
              "開いて登録を確定してください。確定しない場合、席は次の方に回ります。"
              "すでに登録済みのアドレスには、登録の案内を送ります。",
        "en": "We have sent a message to the address you entered. Open the link in it within "
              "{minutes} minutes to confirm your registration; otherwise the seat goes to the "
              "next person. An address that is registered already gets its registration "
              "details instead."},
    "confirm_title": {"ja": "メールアドレスの確認", "en": "Confirm your email address"},
    "confirm_text": {"ja": "下のボタンを押すと、この登録が確定します（{until}まで有効）。",
                     "en": "Press the button below to confirm this registration (until "
                           "{until})."},
    "confirm_button": {"ja": "登録を確定する", "en": "Confirm my registration"},
    "confirm_done": {"ja": "メールアドレスを確認しました。", "en": "Your email address is confirmed."},
    "confirm_expired": {"ja": "確認の期限が過ぎたため、この登録は取り消されました。"
                              "もう一度登録してください。",
                        "en": "The time to confirm has passed and this registration was "
                              "released. Please register again."},
    "confirm_pending": {"ja": "メールのリンクから{until}までに確認すると登録が確定します。",
                        "en": "Confirm through the link in your email by {until} to keep "
                              "this registration."},
    # Field errors, "invalid_<key>" (see events.inputs): the API answers in English,
    # a form shows them next to the field in the page's language.
    "invalid_required": {"ja": "入力してください。", "en": "is required"},
    "invalid_empty": {"ja": "入力してください。", "en": "must not be empty"},
    "invalid_not_object": {"ja": "形式が正しくありません。", "en": "must be a JSON object"},
    "invalid_unknown_field": {"ja": "この項目は受け付けていません。",
                              "en": "is not a known field"},
    "invalid_not_string": {"ja": "文字列で入力してください。", "en": "must be a string"},
    "invalid_not_boolean": {"ja": "はい・いいえのどちらかを選んでください。",
                            "en": "must be true or false"},
    "invalid_not_whole_number": {"ja": "整数で入力してください。",
                                 "en": "must be a whole number"},
    "invalid_at_least": {"ja": "{min} 以上にしてください。", "en": "must be at least {min}"},
    "invalid_at_most": {"ja": "{max} 以下にしてください。", "en": "must be at most {max}"},
    "invalid_between": {"ja": "{min} から {max} までの整数にしてください。",
                        "en": "must be a whole number from {min} to {max}"},
    "invalid_too_long": {"ja": "{max} 文字以内で入力してください。",
                         "en": "must be at most {max} characters"},
    "invalid_too_many": {"ja": "{max} 件までです。", "en": "at most {max} items"},
    "invalid_one_of": {"ja": "次のいずれかを指定してください: {choices}",
                       "en": "must be one of {choices}"},
    "invalid_not_list": {"ja": "一覧（配列）で送ってください。", "en": "must be a list"},
    "invalid_not_text": {"ja": "使用できない文字が含まれています。",
                         "en": "must be text without NUL characters or lone surrogates"},
    "invalid_single_line": {"ja": "改行や制御文字は使えません。1 行で入力してください。",
                            "en": "must be a single line without control characters"},
    "invalid_slug": {"ja": "半角の英小文字・数字・ハイフンで入力してください（先頭と末尾にハイフンは使えません）。",
                     "en": "use lower-case letters, digits and inner hyphens only"},
    "invalid_languages": {"ja": "文字列か、ja と en をもつオブジェクトで送ってください。",
                          "en": 'must be an object with "ja" and "en", or a string'},
    "invalid_unknown_languages": {"ja": "対応していない言語です: {languages}",
                                  "en": "unknown language(s): {languages}"},
    "invalid_needs_text": {"ja": "日本語か英語のどちらかを入力してください。",
                           "en": "needs a text in ja or en"},
    "invalid_timezone": {"ja": "タイムゾーン {value} は見つかりません（例: Asia/Tokyo）。",
                         "en": "unknown time zone {value!r}"},
    "invalid_url": {"ja": "http:// または https:// で始まる URL を入力してください。",
                    "en": "must be an http(s) URL"},
    "invalid_datetime": {"ja": "日時は 2021-04-14T10:00:00+09:00 の形式で入力してください（1900〜2999年）。",
                         "en": "must be an ISO 8601 date-time from 1900 to 2999, "
                               "e.g. 2021-04-14T10:00:00+09:00"},
    "invalid_date": {"ja": "日付は 2021-04-14 の形式で入力してください（1900〜2999年）。",
                     "en": "must be an ISO date from 1900 to 2999, e.g. 2021-04-14"},
    "invalid_capacity": {"ja": "定員は会場（venue）とオンライン（online）ごとに指定してください。",
                         "en": 'must be an object with "venue" and "online" (whole numbers or null)'},
    "invalid_session_id": {"ja": "このイベントのセッションの ID を指定してください。",
                           "en": "must be the id of one of this event's sessions"},
    "invalid_ends_before_start": {"ja": "終了日時は開始日時より後にしてください。",
                                  "en": "must be after starts_at"},
    "invalid_closes_before_opens": {"ja": "受付終了は受付開始より後にしてください。",
                                    "en": "must be after registration_opens_at"},
    "invalid_tbd_with_sessions": {
        "ja": "開催日未定のイベントにはまだセッションを登録できません。",
        "en": "an event whose date is to be announced has no sessions yet"},
    "invalid_needs_sessions": {"ja": "セッションを 1 つ以上登録するか、開催日未定にしてください。",
                               "en": "needs at least one session, or date_tbd: true"},
    "invalid_unknown_series": {"ja": "シリーズ {slug} は登録されていません。",
                               "en": "unknown series {slug!r}"},
    "invalid_key_needs_organization": {"ja": "{role} のキーには団体の指定が必要です。",
                                       "en": "{role} keys need an organization"},
    "invalid_key_needs_event": {"ja": "受付用のキーにはイベントの指定が必要です。",
                                "en": "checkin keys need an event"},
    "invalid_token_required": {"ja": "チケットのリンクにあるトークンが必要です。",
                               "en": "is required: the token from your ticket link"},
    "invalid_password_short": {"ja": "パスワードは {min} 文字以上にしてください。",
                               "en": "must be at least {min} characters"},
    "invalid_wrong_password": {"ja": "現在のパスワードが正しくありません。",
                               "en": "is not the current password"},
    "invalid_totp_wrong": {"ja": "確認コードが正しくありません。",
                           "en": "is not the current code"},
    "invalid_user_needs_organization": {"ja": "主催者アカウントには所属団体が必要です。",
                                        "en": "organizer accounts need an organization"},
    "invalid_series_not_yours": {"ja": "シリーズ {slug} には、その団体の主催者だけがイベントを追加できます。",
                                 "en": "only organizers of its organization add events to series {slug}"},
    "invalid_unknown_event": {"ja": "イベント {slug} は登録されていません。",
                              "en": "unknown event {slug!r}"},
    "invalid_unknown_organization": {"ja": "団体 {slug} は登録されていません。",
                                     "en": "unknown organization {slug!r}"},
    "invalid_partner_twice": {"ja": "{slug} が{role}として二重に登録されています。",
                              "en": "{slug} is listed twice as {role}"},
    "invalid_to_before_from": {"ja": "終了日は開始日以降にしてください。",
                               "en": "must not be before from"},
    "invalid_cursor": {"ja": "ページ送りの指定が正しくありません。",
                       "en": "is not a cursor this server gave out"},
    "invalid_email": {"ja": "メールアドレスの形式が正しくありません。",
                      "en": "is not a valid email address"},
    "invalid_kana": {"ja": "フリガナはひらがなかカタカナで入力してください。",
                     "en": "must be written in kana (hiragana or katakana)"},
    "invalid_membership": {"ja": "会員区分を一覧から選んでください。",
                           "en": "must be none, member, oic_member or an organization slug"},
    "invalid_choose_attendance": {"ja": "会場参加かオンライン参加かを選んでください。",
                                  "en": "choose venue or online"},
    "invalid_consent": {"ja": "個人情報の取り扱いに同意いただく必要があります。",
                        "en": "please agree to the privacy notice"},
    "invalid_code_or_id": {"ja": "チケットのコードか受付番号を入力してください。",
                           "en": "is required (or registration_id for a manual check-in)"},
    "invalid_code_and_id": {"ja": "コードと受付番号はどちらか一方だけにしてください。",
                            "en": "send either code or registration_id, not both"},
    "invalid_not_venue_session": {"ja": "このイベントの会場セッションではありません。",
                                  "en": "is not a venue session of this event"},
    "invalid_scanned_in_future": {"ja": "未来の時刻です。読み取り端末の時計を確認してください。",
                                  "en": "is in the future: check the scanning device's clock"},
    "invalid_search_needed": {"ja": "氏名・フリガナ・メールアドレス・受付番号のいずれかを入力してください。",
                              "en": "is required: a name, kana, email or ticket number"},
    "invalid_json": {"ja": "JSON として読めません。", "en": "is not valid JSON"},
    "invalid_json_media_type": {"ja": "JSON で送ってください（Content-Type: application/json）。",
                                "en": "send JSON (Content-Type: application/json)"},
    "invalid_body_too_large": {"ja": "{max} バイト以内で送ってください。",
                               "en": "must be at most {max} bytes"},
}
