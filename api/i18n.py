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
    # Calendar feeds
    "calendar_event": {"ja": "カレンダーに追加", "en": "Add to your calendar"},
    "calendar_site": {"ja": "カレンダーで購読", "en": "Subscribe in your calendar"},
    "calendar_webcal": {"ja": "カレンダーアプリで購読 (webcal)",
                        "en": "Subscribe in a calendar app (webcal)"},
    "calendar_google": {"ja": "Google カレンダーに追加", "en": "Add to Google Calendar"},
    "calendar_https": {"ja": "iCalendar 形式の URL", "en": "iCalendar address"},
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
    "attendance": {"ja": "参加方法", "en": "Attendance"},
    "attendance_venue": {"ja": "会場参加", "en": "At the venue"},
    "attendance_online": {"ja": "オンライン参加", "en": "Online"},
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
    "status_confirmed": {"ja": "参加確定", "en": "Confirmed"},
    "status_waitlisted": {"ja": "キャンセル待ち", "en": "Waiting list"},
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
    "refused_already_registered": {"ja": "このメールアドレスは既に登録されています。登録時のメールにあるチケットのリンクをご確認ください。",
                                   "en": "This email address is already registered. "
                                         "Use the ticket link from your confirmation."},
    "refused_attendance_not_offered": {"ja": "この参加方法は選択できません。",
                                       "en": "This way of attending is not offered."},
    "refused_registration_cancelled": {"ja": "この登録はキャンセル済みです。",
                                       "en": "This registration is cancelled."},
    "refused_csrf_failed": {"ja": "フォームの有効期限が切れました。ページを再読み込みしてもう一度送信してください。",
                            "en": "The form has expired. Reload the page and send it again."},
    "registration_opens": {"ja": "受付開始: {when}", "en": "Registration opens: {when}"},
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
    "checkin_online": {"ja": "オンライン", "en": "online"},
    "checkin_offline": {"ja": "オフライン", "en": "offline"},
    "checkin_offline_badge": {"ja": "オフライン判定", "en": "OFFLINE"},
    "result_checked_in": {"ja": "受付完了", "en": "Checked in"},
    "result_already_checked_in": {"ja": "受付済み", "en": "Already checked in"},
    "result_duplicate": {"ja": "重複入場", "en": "Duplicate entry"},
    "result_cancelled": {"ja": "キャンセル済み", "en": "Cancelled"},
    "result_waitlisted": {"ja": "キャンセル待ち（未確定）", "en": "Waiting list, not confirmed"},
    "result_online_only": {"ja": "オンライン参加の登録", "en": "Registered to attend online"},
    "result_wrong_day": {"ja": "本日の受付対象外", "en": "Not for today"},
    "result_wrong_event": {"ja": "別イベントのチケット", "en": "Ticket for another event"},
    "result_invalid": {"ja": "無効なチケット", "en": "Invalid ticket"},
    "result_error": {"ja": "エラー", "en": "Error"},
    "checkin_first_entry": {"ja": "{time} に {gate} で入場済み", "en": "Entered at {time}, {gate}"},
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
    "checkin_ticket": {"ja": "受付番号 {id}", "en": "Ticket {id}"},
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
        # q=0 means "not this language" (RFC 9110); NaN compares false and is dropped too.
        if not q > 0:
            continue
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
