"""Request validation in plain Russian: field names and pydantic's error types.

A schema violation answers, in English, pydantic's own ``field: message``
list (unchanged); in Russian each error is «Поле «Телефон»: …» worded here
from the error's ``type`` and its limits (``ctx``), never pydantic's text.
``FIELDS`` names every field of every request model and query the dashboard
and the Telegram client send (a test holds it to that).
"""

from __future__ import annotations

from api.texts.problems import Text

FIELDS: dict[str, str] = {
    "name": "Имя", "timezone": "Часовой пояс", "address": "Адрес",
    "slot_step_min": "Шаг записи, мин", "horizon_days": "Запись открыта на, дней",
    "min_notice_min": "Запись не позже чем за, мин", "cancel_notice_min": "Отмена не позже чем за, мин",
    "reschedule_notice_min": "Перенос не позже чем за, мин", "rating": "Оценка",
    "location": "Место на карте", "lat": "Широта", "lon": "Долгота",
    "price": "Цена", "currency": "Валюта", "duration_min": "Длительность, мин",
    "buffer_min": "Перерыв после услуги, мин", "branch_ids": "Филиалы", "active": "Активна",
    "date": "Дата", "date_from": "Дата с", "date_to": "Дата по", "intervals": "Часы работы",
    "branch_id": "Филиал", "service_ids": "Услуги", "service_id": "Услуга", "schedule": "График",
    "service_overrides": "Свои цены и длительность",
    "exceptions": "Исключения", "login": "Логин", "password": "Пароль", "status": "Статус",
    "version": "Версия записи", "start": "Время", "staff_id": "Мастер", "client": "Клиент",
    "phone": "Телефон", "comment": "Комментарий", "email": "Email", "birthday": "Дата рождения",
    "for": "Кого записываем", "for_": "Кого записываем",  # POST /appointments "for" (pydantic's for_)
    "notes": "Заметки", "from_id": "Дубликат", "role": "Роль", "disabled": "Отключён",
    "hold_id": "Бронь", "q": "Поиск", "limit": "Сколько показать", "cursor": "Страница",
    "as_of": "На момент", "after_seq": "После события", "stream": "Раздел журнала",
    "telegram_id": "Telegram ID", "idempotency_key": "Idempotency-Key", "file": "Файл",
    "dry_run": "Проверка", "mapping": "Сопоставление колонок", "format": "Формат",
    "client_id": "Клиент", "appointment_id": "Запись", "type": "Тип события",
    "url": "Адрес", "events": "События",
    "time_from": "Время с", "time_to": "Время до",  # the waitlist's hours (SPEC §9.3)
    "mon": "пн", "tue": "вт", "wed": "ср", "thu": "чт", "fri": "пт", "sat": "сб", "sun": "вс",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
INTERVAL, ENDS = "промежуток", ("начало", "конец")  # schedule.mon.0.1 → «пн → промежуток 1 → конец»
TITLES = {"name": "Название"}  # a branch's or a service's name (the path says which)
TITLED = ("/admin/branches", "/admin/services")

# pydantic error type -> (English fallback, Russian); {…} from the error's ctx.
ERRORS: dict[str, Text] = {
    "missing": ("required", "обязательное поле"),
    "extra_forbidden": ("unknown field", "такого поля нет"),
    "string_type": ("must be text", "должно быть текстом"),
    "string_too_short": ("too short", "не может быть пустым"),
    "string_too_long": ("at most {max_length} characters", "не длиннее {max_length} символов"),
    "string_pattern_mismatch": ("wrong format", "неверный формат"),
    "int_type": ("must be a whole number", "должно быть целым числом"),
    "int_parsing": ("must be a whole number", "должно быть целым числом"),
    "int_from_float": ("must be a whole number", "должно быть целым числом"),
    "bool_type": ("must be true or false", "должно быть «да» или «нет»"),
    "bool_parsing": ("must be true or false", "должно быть «да» или «нет»"),
    "greater_than_equal": ("at least {ge}", "не меньше {ge}"),
    "greater_than": ("more than {gt}", "больше {gt}"),
    "less_than_equal": ("at most {le}", "не больше {le}"),
    "less_than": ("less than {lt}", "меньше {lt}"),
    "too_short": ("at least {min_length} items", "нужно выбрать хотя бы {min_length}"),
    "too_long": ("at most {max_length} items", "не больше {max_length}"),
    "list_type": ("must be a list", "должно быть списком"),
    "dict_type": ("must be an object", "должно быть набором значений"),
    "model_type": ("must be an object", "должно быть набором значений"),
    "model_attributes_type": ("must be an object", "должно быть набором значений"),
    "literal_error": ("not one of the allowed values", "недопустимое значение"),
    "enum": ("not one of the allowed values", "недопустимое значение"),
    "none_required": ("must be empty", "должно быть пустым"),
    "json_invalid": ("not valid JSON", "данные не в формате JSON"),
    "value_error": ("invalid value", "недопустимое значение"),
}
PATTERNS: dict[str, str] = {  # string_pattern_mismatch: what the pattern asks, in words
    r"^\d\d:\d\d$": "время пишется как ЧЧ:ММ",
    r"^\d{4}-\d{2}-\d{2}$": "дата пишется как ГГГГ-ММ-ДД",
    r"^[A-Z]{3}$": "код валюты из трёх латинских букв, например RUB",
}
VALIDATION_RU = ("Поле «{field}»: {problem}", "Запрос: {problem}")  # (with a field, about the whole body)
