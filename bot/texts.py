"""Russian texts of the bot and the formatting of dates, times, prices and statuses.

Pure functions over plain values (no aiogram): the dialogue routers and the
notifier both render through here. Messages are HTML (the bot's default parse
mode), so every value that comes from data is escaped with ``esc``.
"""

from __future__ import annotations

import html
import math
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
WEEKDAYS_FULL = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
          "сентября", "октября", "ноября", "декабря")
CURRENCIES = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br", "UAH": "₴"}
STATUSES = {
    "new": "ждёт подтверждения салона", "confirmed": "подтверждена салоном", "in_progress": "идёт визит",
    "done": "выполнена", "cancelled": "отменена", "no_show": "неявка",
}

# Buttons
BTN_SHARE_PHONE = "📱 Отправить мой номер"
BTN_BOOK = "📅 Записаться"
BTN_MY = "🗂 Мои записи"
BTN_MENU = "☰ Меню"
BTN_BACK = "↩ Назад"
BTN_CONFIRM = "✅ Подтвердить запись"
BTN_CANCEL_HOLD = "✖ Отмена"
BTN_ANY_MASTER = "👥 Любой мастер"
BTN_EARLIER = "← Раньше"
BTN_LATER = "Дальше →"
BTN_OTHER_DAY = "↩ Другой день"
BTN_PICK_TIME_AGAIN = "🕒 Выбрать время заново"
BTN_YES_CANCEL = "Да, отменить"
BTN_NO = "Нет"

# Registration
ASK_PHONE = ("Здравствуйте! Я помогу записаться на визит.\n\n"
             "Чтобы продолжить, поделитесь, пожалуйста, своим номером телефона — "
             f"нажмите кнопку «{BTN_SHARE_PHONE}» внизу экрана.")
NOT_OWN_CONTACT = ("Спасибо, но это чужой контакт. Для записи нужен <b>ваш</b> номер — "
                   f"нажмите кнопку «{BTN_SHARE_PHONE}» внизу экрана.")
PHONE_TAKEN = ("Этот номер уже привязан к другому аккаунту Telegram, поэтому записаться отсюда не получится. "
               "Так бывает, если вы сменили аккаунт или номер раньше принадлежал другому человеку. "
               "Позвоните, пожалуйста, в салон — администратор перепривяжет номер или запишет вас сам.")
PHONE_INVALID = ("Не получилось распознать номер телефона. Нажмите, пожалуйста, кнопку "
                 f"«{BTN_SHARE_PHONE}» ещё раз.")
MENU = "Что хотите сделать?"
NOT_UNDERSTOOD = "Я понимаю только кнопки. Вот меню:"

# Booking
CHOOSE_BRANCH = "Выберите филиал:"
NO_BRANCHES = "Сейчас запись недоступна: нет открытых филиалов."
CHOOSE_SERVICE = "Выберите услугу:"
NO_SERVICES = "В этом филиале пока нет услуг для записи."
HELD_HINT = "Подтвердите запись, пока время удержано за вами."
SLOT_TAKEN = "Увы, это время только что заняли. Выберите, пожалуйста, другое."
HOLD_EXPIRED = ("Время удержания истекло, и запись не создана. "
                "Выберите время заново — свободные слоты обновлены.")
HOLD_RELEASED = "Хорошо, время освобождено."
STALE = "Эта кнопка устарела — данные изменились. Начните, пожалуйста, заново."
BUTTON_GONE = "Эта кнопка уже не действует."
HOLD_USED = "Время уже не удержано: по нему создана запись, она в силе."
HOLD_GONE = "Время уже не удержано: удержание истекло, запись не создана."
SLOT_IS_YOURS = "Вы уже записаны на это время:"

# My appointments
MY_EMPTY = "У вас пока нет записей."

# Failures
UNAVAILABLE = "Сервис записи временно недоступен. Попробуйте, пожалуйста, через минуту."
NOT_REGISTERED = "Сначала поделитесь номером телефона: отправьте /start."


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def day_label(d: date, today: date | None = None) -> str:
    """Short day for a button: «пн 2.03»; given ``today``, «сегодня пн 2.03», «завтра вт 3.03»."""
    label = f"{WEEKDAYS[d.weekday()]} {d.day}.{d.month:02d}"
    ahead = (d - today).days if today is not None else None
    return f"{RELATIVE[ahead]} {label}" if ahead in (0, 1) else label


def long_date(d: date | datetime) -> str:
    """«понедельник, 2 марта»."""
    return f"{WEEKDAYS_FULL[d.weekday()]}, {d.day} {MONTHS[d.month - 1]}"


def hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def when(moment: datetime) -> str:
    """«завтра, вторник, 3 марта, 14:00» (a local, aware datetime), the zone when it matters."""
    return f"{day_words(moment)}, {hhmm(moment)}{zone_note(moment)}"


def price(amount: str, currency: str) -> str:
    """«1 500 ₽», «990,50 ₽»."""
    symbol = CURRENCIES.get(currency, currency)
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return f"{amount} {symbol}"
    whole = int(value)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    cents = abs(value - whole)
    if cents:
        return f"{grouped},{int(cents * 100):02d}\u00a0{symbol}"
    return f"{grouped}\u00a0{symbol}"


def minutes(n: int) -> str:
    if n % 60 == 0:
        return f"{n // 60} ч"
    if n > 60:
        return f"{n // 60} ч {n % 60} мин"
    return f"{n} мин"


def status(code: str) -> str:
    return STATUSES.get(code, code)


def service_button(name: str, amount: str, currency: str, duration_min: int, *, from_: bool = False) -> str:
    """``from_``: the masters' prices differ, ``amount`` is the lowest («от 1 500 ₽»)."""
    shown = f"от {price(amount, currency)}" if from_ else price(amount, currency)
    return f"{name} · {shown} · {minutes(duration_min)}"


BTN_MORE_SERVICES = "➕ Добавить ещё услугу"
ADD_SERVICE = "Что добавить к визиту? Услуги пройдут подряд у одного мастера."


def add_service(visit: str) -> str:
    return f"<b>{esc(visit)}</b>\n{ADD_SERVICE}"


def total_line(amount: str, currency: str) -> str:
    return f"Итого: <b>{price(amount, currency)}</b>"


def registered(name: str) -> str:
    who = f", {esc(name)}" if name else ""
    return f"Спасибо{who}! Номер сохранён, теперь можно записываться."


def rate_limited(seconds: int) -> str:
    return f"Слишком много попыток подряд. Попробуйте, пожалуйста, через {max(1, seconds)} сек."


def choose_day(service: str, has_days: bool, master: str | None = None) -> str:
    head = f"<b>{esc(service)}</b>" + (f", мастер {esc(master)}" if master else "") + "\n"
    if has_days:
        return head + "Выберите день (показаны дни, когда есть свободное время):"
    return head + "В эти дни свободного времени нет — посмотрите другие даты."


def choose_time(service: str, day: date, master: str | None, has_times: bool) -> str:
    who = f", мастер {esc(master)}" if master else ""
    head = f"<b>{esc(service)}</b>, {long_date(day)}{who}\n"
    if has_times:
        return head + "Выберите время:"
    return head + "На этот день свободного времени уже нет."


def held(service: str, start: datetime, master: str, until: datetime, address: str, total: str = "",
         *, several: bool | None = None) -> str:
    """``total``: the price line; ``several``: ``service`` lists several (by default: when a total is given)."""
    several = bool(total) if several is None else several
    lines = [
        f"⏳ {hold_until(until)}",
        "",
        f"Услуги: {esc(service)}" if several else f"Услуга: {esc(service)}",
        f"Когда: {when(start)}",
        f"Мастер: {esc(master)}",
        *([total] if total else []),
    ]
    if address:
        lines.append(f"Адрес: {esc(address)}")
    return "\n".join([*lines, "", HELD_HINT])


def booked(service: str, start: datetime, master: str, branch: str, address: str, total: str = "",
           *, several: bool | None = None) -> str:
    several = bool(total) if several is None else several
    place = ", ".join(esc(p) for p in (branch, address) if p)
    return "\n".join([
        "✅ <b>Вы записаны!</b>",
        "",
        f"Когда: {when(start)}",
        f"Услуги: {esc(service)}" if several else f"Услуга: {esc(service)}",
        f"Мастер: {esc(master)}",
        *([total] if total else []),
        f"Адрес: {place}",
        "",
        f"Статус: {status('new')}. Мы сообщим, когда салон подтвердит, и напомним перед визитом.",
    ])


def appointment_line(start: datetime, service: str, master: str, code: str, cost: str = "") -> str:
    """One visit in «Мои записи»: «• завтра, вторник, 3 марта, 14:00 — Стрижка, мастер Ольга, 1 500 ₽ (подтверждена
    салоном)»; ``cost``: the visit's price, already formatted (``price``)."""
    paid = f", {cost}" if cost else ""
    return f"• {when(start)} — {esc(service)}, мастер {esc(master)}{paid} ({status(code)})"


def my_list(upcoming: list[str], past: list[str]) -> str:
    parts = ["<b>Ваши записи</b>"]
    if upcoming:
        parts += ["", "Предстоящие:", *upcoming]
    if past:
        parts += ["", "Прошедшие и отменённые:", *past]
    return "\n".join(parts)


def cancel_button(start: datetime) -> str:
    return f"Отменить {short_when(start)}"


def ask_cancel(start: datetime, service: str) -> str:
    return f"Отменить запись «{esc(service)}» на {when(start)}?"


def cancelled(start: datetime) -> str:
    return f"❌ Запись на {when(start)} отменена."


# ---------------------------------------------------------------- the visit (SPEC §9.3)

BTN_COME = "✅ Приду"
BTN_MOVE = "🔁 Перенести"
BTN_CANCEL_VISIT = "✖ Отменить"
BTN_YES_MOVE = "✅ Да, перенести"
BTN_OTHER_TIME = "↩ Другое время"
CONFIRM_REFUSED = "Эту запись уже нельзя подтвердить: она отменена, завершена или уже началась."
MOVE_REFUSED = "Эту запись уже нельзя перенести: она отменена или завершена."
FEEDBACK_ASK = "Как прошёл визит?"
ALREADY_COMING = "Вы уже подтвердили визит — ждём вас!"
FEEDBACK_AGAIN = "Вы уже оценили этот визит. Спасибо!"
FEEDBACK_REFUSED = "Этот визит пока нельзя оценить."
MOVE_TAKEN = "Увы, это время только что заняли. Выберите, пожалуйста, другое."


def stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def move_button(start: datetime) -> str:
    return f"Перенести {short_when(start)}"


def move_too_late(minutes_before: int) -> str:
    return f"Перенести запись через бота можно не позже чем за {minutes(minutes_before)} до визита."


def move_choose_day(service: str, start: datetime, has_days: bool) -> str:
    head = f"🔁 <b>Перенос записи</b>\n{esc(service)}, сейчас: {when(start)}\n\n"
    if has_days:
        return head + "Выберите новый день (показаны дни, когда у мастера есть свободное время):"
    return head + "В эти дни у мастера нет свободного времени — посмотрите другие даты."


def move_choose_time(service: str, day: date, master: str, has_times: bool) -> str:
    head = f"🔁 <b>{esc(service)}</b>, {long_date(day)}, мастер {esc(master)}\n"
    return head + ("Выберите новое время:" if has_times else "На этот день свободного времени уже нет.")


def ask_move(service: str, old: datetime, new: datetime) -> str:
    return (f"Перенести запись «{esc(service)}»\nс {when(old)}\nна <b>{when(new)}</b>?\n\n"
            "После переноса салон подтвердит запись заново.")


def moved(service: str, start: datetime, master: str) -> str:
    return "\n".join(["🔁 <b>Запись перенесена</b>", "", f"Когда: {when(start)}", f"Услуга: {esc(service)}",
                      f"Мастер: {esc(master)}", "", "Салон подтвердит новое время, мы пришлём напоминание."])


def visit_confirmed(service: str, start: datetime) -> str:
    return f"✅ Спасибо! Вы подтвердили визит: {when(start)} — {esc(service)}. Ждём вас!"


def feedback_ask(service: str, start: datetime, master: str) -> str:
    return (f"⭐ <b>{FEEDBACK_ASK}</b>\n\n{esc(service)}, {when(start)}, мастер {esc(master)}.\n"
            "Оцените, пожалуйста, от 1 до 5 звёзд — это займёт секунду.")


def feedback_thanks(rating: int) -> str:
    return f"Спасибо за оценку! {stars(rating)}\nБудем рады видеть вас снова."


# ---------------------------------------------------------------- the waitlist (SPEC §9.3)

BTN_WAITLIST = "⏳ Нет подходящего времени — встать в лист ожидания"
BTN_WAIT_BOOK = "✅ Записаться"
BTN_WAIT_DECLINE = "✖ Не подходит"
BTN_ANY_TIME = "Любое время"
WAIT_PARTS = {"m": ("🌅 Утро", 9 * 60, 12 * 60), "d": ("☀️ День", 12 * 60, 17 * 60),
              "e": ("🌙 Вечер", 17 * 60, 24 * 60)}  # a start in [from, to), local minutes
WAIT_PART_NAMES = {"m": "утро (9–12)", "d": "день (12–17)", "e": "вечер (после 17)", "": "любое время"}
WAIT_DAYS = ((1, "Только этот день"), (3, "3 дня"), (7, "Неделю"))
OFFER_GONE = ("Это время уже недоступно: предложение истекло или время передано следующему в листе ожидания. "
              "Вы по-прежнему в листе ожидания, если не вышли из него.")
OFFER_DECLINED = "Хорошо, предложим время следующему. Вы остаётесь в листе ожидания — напишем, когда освободится ещё."
WAITLIST_LEFT = "Вы вышли из листа ожидания."


def wait_range_ask(service: str, first: date) -> str:
    return (f"⏳ <b>Лист ожидания</b>: {esc(service)}\n"
            f"Мы напишем, как только освободится подходящее время. С {long_date(first)} — сколько дней вам подходят?")


def wait_master_ask(service: str, first: date, last: date) -> str:
    return f"⏳ <b>{esc(service)}</b>, {date_span(first, last)}.\nК какому мастеру?"


def wait_part_ask(service: str, first: date, last: date, master: str | None) -> str:
    who = f"мастер {esc(master)}" if master else "любой мастер"
    return f"⏳ <b>{esc(service)}</b>, {date_span(first, last)}, {who}.\nВ какое время дня вам удобно?"


def date_span(first: date, last: date) -> str:
    """«2 марта» or «2–5 марта» or «30 марта – 2 апреля»."""
    if first == last:
        return f"{first.day} {MONTHS[first.month - 1]}"
    if first.month == last.month:
        return f"{first.day}–{last.day} {MONTHS[last.month - 1]}"
    return f"{first.day} {MONTHS[first.month - 1]} – {last.day} {MONTHS[last.month - 1]}"


def waitlist_joined(service: str, first: date, last: date, master: str | None, part: str) -> str:
    who = f"мастер {esc(master)}" if master else "любой мастер"
    return ("✅ <b>Вы в листе ожидания</b>\n\n"
            f"{esc(service)}, {date_span(first, last)}, {who}, {WAIT_PART_NAMES.get(part, '')}.\n\n"
            "Как только подходящее время освободится, мы придержим его за вами и пришлём сообщение. "
            "Выйти из листа ожидания можно в «Мои записи».")


def offer(service: str, start: datetime, master: str, place: str, until: datetime) -> str:
    return "\n".join(["🎉 <b>Освободилось время!</b>", "", f"Когда: {when(start)}", f"Услуга: {esc(service)}",
                      f"Мастер: {esc(master)}", f"Адрес: {place}", "",
                      f"Мы придержали его за вами до {hhmm(until)}{minutes_left(until)}. Записаться?"])


def waitlist_line(service: str, first: date, last: date, part: str, offered: bool) -> str:
    state = " — <b>вам предложено время</b>" if offered else ""
    return f"⏳ {esc(service)}, {date_span(first, last)}, {WAIT_PART_NAMES.get(part, '')}{state}"


def leave_button(service: str, first: date) -> str:
    return f"🚪 Выйти из ожидания: {service} с {first.day}.{first.month:02d}"[:60]


# ---------------------------------------------------------------- words, commands, calendar (SPEC §9.6)

# (command, the description Telegram shows in the command menu)
COMMANDS = (("book", "Записаться"), ("my", "Мои записи"), ("menu", "Меню"), ("help", "Что умеет бот"))
HELP = ("Я помогу записаться в салон.\n\n"
        "📅 /book — записаться\n"
        "🗂 /my — ваши записи: перенести, отменить\n"
        "☰ /menu — меню\n\n"
        "Можно просто написать, когда удобно: «завтра вечером», «в субботу в 11», «15 декабря» — "
        "я покажу свободное время.")
FREE_TEXT_HELP = "Не понял сообщение. Напишите, когда удобно прийти («завтра вечером»), или выберите в меню."
THANKS = "Пожалуйста! Будем рады вас видеть 🌸"
PHONE_TYPED = ("Спасибо! Но номер, набранный вручную, я не могу проверить. Нажмите, пожалуйста, кнопку "
               "«📱 Отправить мой номер» внизу: Telegram передаст номер, привязанный к вашему аккаунту, — "
               "так мы узнаем, что запись делаете именно вы.")
WISH_SERVICE = "Какую услугу записать?"
BTN_ADD_TO_CALENDAR = "📆 Добавить в календарь"
CALENDAR_FILE = "Файл для календаря: откройте его, и визит появится в вашем календаре."


def wish_times(service: str, span: str, has_times: bool) -> str:
    """The free times a client's words asked for («завтра вечером» → the evening's times)."""
    if has_times:
        return f"<b>{esc(service)}</b>, {span}. Свободное время:"
    return (f"<b>{esc(service)}</b>: на {span} свободного времени нет. "
            "Выберите другой день или встаньте в лист ожидания.")


def wish_span(first: date, last: date, start_min: int, end_min: int) -> str:
    """«суббота, 5 декабря, с 17:00» / «5–6 декабря» for what the client asked."""
    if first == last:
        days = long_date(first)
    elif first.month == last.month:
        days = f"{first.day}–{last.day} {MONTHS[last.month - 1]}"
    else:
        days = f"{first.day} {MONTHS[first.month - 1]} – {last.day} {MONTHS[last.month - 1]}"
    if (start_min, end_min) == (0, 1440):
        return days
    start = f"{start_min // 60:02d}:{start_min % 60:02d}"
    if end_min >= 1440:
        return f"{days}, с {start}"
    return f"{days}, {start}–{end_min // 60:02d}:{end_min % 60:02d}"


def ics_summary(services: str, branch: str) -> str:
    return f"{services} — {branch}" if branch else services


def ics_description(master: str, phone: str | None) -> str:
    lines = [f"Мастер: {master}"] if master else []
    if phone:
        lines.append(f"Телефон салона: {phone}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the booking flow's extras (SPEC §9.6)

BTN_OTHER_MASTER = "👤 Другой мастер"
BTN_BOOK_ANYWAY = "✅ Да, всё равно записаться"
BTN_NOT_THIS_TIME = "✖ Нет, выбрать другое время"


def branch_button(name: str, address: str) -> str:
    """«Salon — ул. Пушкина, 10» (an address tells branches apart better than a name)."""
    return f"{name} — {address}" if address else name


def master_button(name: str, amount: str, currency: str) -> str:
    """«👤 Ольга», or «👤 Ольга · 2 000 ₽» when her price of the visit differs from the catalogue's."""
    return f"👤 {name} · {price(amount, currency)}" if amount else f"👤 {name}"


def choose_master(service: str) -> str:
    return f"<b>{esc(service)}</b>\nВыберите мастера:"


def overlap(start: datetime, service: str) -> str:
    """Asked above the hold when its time overlaps one of the client's own live visits."""
    return (f"⚠️ <b>У вас уже есть запись на это время ({when(start)}, {esc(service)}). "
            "Всё равно записаться?</b>")


def repeat_button(start: datetime, service: str) -> str:
    """«🔁 Повторить: cut, 2.03» (Telegram shows about 60 characters of a button)."""
    return f"🔁 Повторить: {service}, {start.day}.{start.month:02d}"[:60]


BTN_COMMENT = "💬 Добавить комментарий для мастера"
COMMENT_PLACEHOLDER = "Например: длинные волосы, аллергия на …"
COMMENT_ASK = ("Напишите комментарий для мастера <b>ответом на это сообщение</b> — "
               "запись будет подтверждена вместе с ним.")

# «Записать другого человека» (bot/for_someone.py)
BTN_FOR_SOMEONE = "👥 Записать другого человека"
FOR_PLACEHOLDER = "Мама, +7 916 555-01-02"
FOR_ASK = ("Кого записываем? <b>Ответом на это сообщение</b> отправьте контакт человека (📎 → «Контакт») "
           "или напишите имя и телефон, например: «Мама, +7 916 555-01-02».")
FOR_UNCLEAR = "Не нашёл в сообщении имя и телефон. Напишите их через запятую, например: «Мама, +7 916 555-01-02»."
FOR_BAD_PHONE = "Не получилось прочитать этот номер телефона. Проверьте его, пожалуйста."


def for_whom(name: str) -> str:
    """Under a visit in «Мои записи» that the client booked for someone else."""
    return f"👥 Кто придёт: {esc(name)}"


def booked_for_head(name: str, e164: str, own_telegram: bool) -> str:
    """The first lines of a confirmation of a visit booked for someone else."""
    who = f"✅ <b>Вы записали: {esc(name)}</b>" + (f" ({phone(e164)})" if e164 else "")
    tell = ("Сообщения о визите будут приходить этому человеку в Telegram." if own_telegram
            else "Сообщения о визите будут приходить вам.")
    return f"{who}\n{tell}"


def comment_line(comment: str) -> str:
    return f"Комментарий для мастера: {esc(comment)}"


def price_line(amount: str, currency: str, several: bool) -> str:
    """«Стоимость: 1 500 ₽» for one service, «Итого: 3 000 ₽» for a visit of several."""
    return f"{'Итого' if several else 'Стоимость'}: <b>{price(amount, currency)}</b>"


# ---------------------------------------------------------------- time said clearly, the salon's phone (SPEC §9.6)

# The moment texts are rendered at, and whether the reader wants the zone named (a client whose Telegram
# speaks another language than Russian). Set for each update (bot/middlewares.py) and before each notice
# (bot/notifier.py); unset, dates go without «сегодня»/«завтра» and hold minutes.
NOW: ContextVar[float | None] = ContextVar("bot_texts_now", default=None)
ZONE_WANTED: ContextVar[bool] = ContextVar("bot_texts_zone_wanted", default=False)
HOME_ZONE = "Europe/Moscow"
WEEKDAYS_ON = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу", "в воскресенье")
ZONE_NAMES = {
    "Europe/Moscow": "московскому", "Europe/Kaliningrad": "калининградскому", "Europe/Samara": "самарскому",
    "Asia/Yekaterinburg": "екатеринбургскому", "Asia/Omsk": "омскому", "Asia/Novosibirsk": "новосибирскому",
    "Asia/Krasnoyarsk": "красноярскому", "Asia/Irkutsk": "иркутскому", "Asia/Yakutsk": "якутскому",
    "Asia/Vladivostok": "владивостокскому", "Asia/Magadan": "магаданскому", "Asia/Kamchatka": "камчатскому",
}
RELATIVE = {-1: "вчера", 0: "сегодня", 1: "завтра"}
NO_PHONE = "Телефон салона пока не указан в боте — простите за неудобство."


def days_ahead(moment: datetime) -> int | None:
    """Days from today (in ``moment``'s zone) to ``moment``'s date; None when the time is not known."""
    now = NOW.get()
    if now is None or moment.tzinfo is None:
        return None
    return (moment.date() - datetime.fromtimestamp(now, moment.tzinfo).date()).days


def day_words(moment: datetime) -> str:
    """«сегодня, понедельник, 2 марта» / «завтра, вторник, 3 марта» / «среда, 4 марта»."""
    ahead = days_ahead(moment)
    word = RELATIVE.get(ahead) if ahead is not None else None
    return f"{word}, {long_date(moment)}" if word else long_date(moment)


def zone_key(tz: tzinfo | None) -> str:
    return str(getattr(tz, "key", "") or "")


def zone_note(moment: datetime) -> str:
    """« (по московскому времени)» when the branch is not on Moscow time or the reader asked; else "".

    A time read from the API carries only its offset: Moscow's offset at that moment counts as Moscow."""
    offset = moment.utcoffset()
    if offset is None:
        return ""
    key = zone_key(moment.tzinfo)
    if not key and offset == moment.astimezone(ZoneInfo(HOME_ZONE)).utcoffset():
        key = HOME_ZONE
    if key == HOME_ZONE and not ZONE_WANTED.get():
        return ""
    if key in ZONE_NAMES:
        return f" (по {ZONE_NAMES[key]} времени)"
    minutes_east = int(offset.total_seconds() // 60)
    hours, mins = divmod(abs(minutes_east), 60)
    shown = ("+" if minutes_east >= 0 else "-") + str(hours) + (f":{mins:02d}" if mins else "")
    return f" (по времени салона, UTC{shown})"


def at_when(moment: datetime) -> str:
    """After a verb: «сегодня в 10:00», «завтра в 10:00», «в пятницу, 4 декабря, в 10:00»."""
    ahead = days_ahead(moment)
    tail = f"в {hhmm(moment)}{zone_note(moment)}"
    if ahead in RELATIVE:
        return f"{RELATIVE[ahead]} {tail}"
    return f"{WEEKDAYS_ON[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]}, {tail}"


def short_when(moment: datetime) -> str:
    """For a button: «сегодня 14:00», «завтра 14:00», «чт 3.12 14:00»."""
    ahead = days_ahead(moment)
    day = RELATIVE[ahead] if ahead in (0, 1) else day_label(moment.date())
    return f"{day} {hhmm(moment)}"


def minutes_left(until: datetime) -> str:
    """« — ещё 5 мин» (nothing when the time is not known)."""
    now = NOW.get()
    return f" — ещё {max(1, math.ceil((until.timestamp() - now) / 60))} мин" if now is not None else ""


def hold_until(until: datetime) -> str:
    """«Время удержано за вами до <b>12:31</b> — ещё 5 мин.»"""
    return f"Время удержано за вами до <b>{hhmm(until)}</b>{minutes_left(until)}."


def phone(e164: str) -> str:
    """«+7 999 123-45-67» for a Russian number (Telegram makes it tappable); others as stored."""
    digits = e164.lstrip("+")
    if e164.startswith("+7") and len(digits) == 11 and digits.isdigit():
        return f"+7 {digits[1:4]} {digits[4:7]}-{digits[7:9]}-{digits[9:]}"
    return e164


def call_salon(salon_phone: str | None) -> str:
    """The line under every refusal the salon can still help with."""
    if salon_phone:
        return f"Позвоните, пожалуйста, в салон: {phone(salon_phone)}"
    return f"Позвоните, пожалуйста, в салон. {NO_PHONE}"


def rules_line(cancel_min: int, move_min: int | None) -> str:
    """The notice that binds the client, said before it does: «Отменить или перенести можно не позже чем за 2 ч до визита.»"""
    move = cancel_min if move_min is None else move_min
    if cancel_min == move:
        if cancel_min <= 0:
            return "Отменить или перенести запись можно в любое время до визита."
        return f"Отменить или перенести запись можно не позже чем за {minutes(cancel_min)} до визита."
    return (f"Отменить запись можно не позже чем за {minutes(cancel_min)}, перенести — не позже чем за "
            f"{minutes(move)} до визита.")


def too_late_to_change(salon_phone: str | None) -> str:
    """Inside the notice window: no «Отменить»/«Перенести» buttons, the phone instead."""
    return f"Отменить или перенести эту запись через бота уже нельзя. {call_salon(salon_phone)}"


def change_rule_now(can_cancel: bool, can_move: bool, salon_phone: str | None) -> str:
    """What the client may still change of a visit through the bot ("" when both), with the phone otherwise."""
    if can_cancel and can_move:
        return ""
    if can_cancel:
        return f"Перенести эту запись через бота уже нельзя, отменить ещё можно. {call_salon(salon_phone)}"
    if can_move:
        return f"Отменить эту запись через бота уже нельзя, перенести ещё можно. {call_salon(salon_phone)}"
    return too_late_to_change(salon_phone)


def button_gone(now_true: str) -> str:
    """A stale button's answer: what no longer applies and what is true now."""
    return f"{BUTTON_GONE} {now_true}" if now_true else BUTTON_GONE


# The first words of every text that states a fact: such a message is never edited into another one
# (bot/ui.py). Compared with the message's plain text, as Telegram returns it.
FACT_HEADS = (
    "✅ Вы записаны", "✅ Вы записали", "📅 Вас записали", "✅ Ваша запись подтверждена", "❌ Салон отменил",
    "❌ Запись на",
    "🔁 Ваша запись перенесена", "🔁 Запись перенесена", "⏰ Напоминаем", "Спасибо за визит", "Мы не дождались",
    "Ваш визит начался", "Статус вашей записи", "✅ Спасибо! Вы подтвердили", "Спасибо за оценку",
    "✅ Вы в листе ожидания", "Вы вышли из листа ожидания",
)


def is_fact(shown: str) -> bool:
    return shown.startswith(FACT_HEADS)


def ask_phone_again(call: str) -> str:
    """To someone who has not shared their phone and wrote something: why, and what to do if it was refused."""
    return ("Чтобы записаться, поделитесь, пожалуйста, своим номером телефона — нажмите кнопку "
            f"«{BTN_SHARE_PHONE}» внизу экрана.\n\n"
            "Если я ответил, что номер уже привязан к другому аккаунту Telegram, записаться здесь не получится. "
            f"{call}")
