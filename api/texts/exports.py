"""Sheet titles and column headers of the downloadable files (reports, the client base).

The files are for the salon's people, so they are in Russian whatever the
``Accept-Language``; the JSON they mirror keeps its English keys.
"""

from __future__ import annotations

SOURCES: dict[str, str] = {"bot": "Бот", "manual": "Менеджер", "import": "Импорт"}

# ---------------------------------------------------------------- the report
SUMMARY = "Итоги"
SUMMARY_HEADERS = ("Показатель", "Значение", "Валюта")
PERIOD_FROM, PERIOD_TO, BRANCH, ALL_BRANCHES = "Период с", "Период по", "Филиал", "Все филиалы"
TOTALS: tuple[tuple[str, str], ...] = (  # key of the report -> its row
    ("new_requests", "Новые заявки"),
    ("appointments", "Записей в периоде"),
    ("open", "Ещё не завершены"),
    ("done", "Выполнено"),
    ("cancelled", "Отменено"),
    ("no_show", "Не пришли"),
    ("repeat_visits", "Повторные визиты"),
    ("completed_pct", "Доля выполненных, %"),
    ("repeat_clients_pct", "Клиенты с повторным визитом, %"),
)
NO_SHOW_RATE = "Доля неявок (не пришли ÷ (выполнено + не пришли))"
REVENUE, AVERAGE_CHECK = "Выручка", "Средний чек"

BY_DAY = "По дням"
DAY_HEADERS = ("Дата", "Новые заявки", "Записей", "Ещё не завершены", "Выполнено", "Отменено", "Не пришли")

BY_STAFF = "По мастерам"
STAFF_HEADERS = ("Мастер", "Филиал", "Выполнено визитов")
STAFF_TAIL = ("Занято, мин", "Рабочее время, мин", "Загрузка", "Рейтинг")

BY_SOURCE = "По источникам"
SOURCE_HEADERS = ("Источник", "Записей", "Выполнено", "Конверсия в «Выполнено»")


def per_currency(what: str, currency: str) -> str:
    return f"{what}, {currency}"


# ---------------------------------------------------------------- the client base
CLIENTS = "Клиенты"
CLIENT_HEADERS = ("Имя", "Телефон", "Email", "Дата рождения", "Telegram ID", "Откуда", "Заметки",
                  "Добавлен (UTC)", "Выполнено визитов", "Не пришёл", "Отменено", "Потрачено",
                  "Последний визит", "Следующий визит")
