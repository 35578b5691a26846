"""Choosing the reader's language and wording a ``Message`` in it.

``language(accept_language)`` is ``"ru"`` when Russian is the most preferred
language of the header (``ru``, ``ru-RU,ru;q=0.9,en;q=0.8``), else ``"en"``
(SPEC §9.1). ``render`` words a message from the catalogue
(``problems.TEXTS`` + ``imports.TEXTS``); a key the catalogue does not know
is English text raised as it is, and in Russian gets its code's text
(``problems.CODES``), so a Russian reader never sees English.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from actors.core.errors import Message
from api.texts import fields, imports, problems
from api.texts.problems import Text

Lang = Literal["en", "ru"]

CATALOGUE: dict[str, Text] = {**problems.TEXTS, **imports.TEXTS}
assert len(CATALOGUE) == len(problems.TEXTS) + len(imports.TEXTS), "a key in two catalogue parts"

ENGLISH_ONLY = frozenset({"reason"})  # a library's own words: shown in English, never in Russian

VALUES: dict[str, dict[str, str]] = {  # a parameter's value in Russian
    "status": {"new": "новая", "confirmed": "подтверждена", "in_progress": "в работе", "done": "выполнена",
               "cancelled": "отменена", "no_show": "неявка"},
    "kind": {"phone": "телефон", "telegram_id": "Telegram ID"},
    "thing": {"a PDF document": "PDF-документ", "a PNG image": "картинка PNG", "a JPEG image": "фотография JPEG",
              "a GIF image": "картинка GIF", "a gzip archive": "архив gzip", "a RAR archive": "архив RAR",
              "a 7-Zip archive": "архив 7-Zip", "an RTF document": "документ RTF",
              "an empty ZIP archive": "пустой ZIP-архив", "a split ZIP archive": "часть ZIP-архива",
              "an HTML page": "веб-страница HTML", "an XML document": "документ XML",
              "an .xlsb workbook; save it as .xlsx": "книга .xlsb — сохраните её как .xlsx",
              "an OpenDocument file (.ods); save it as .xlsx": "файл OpenDocument (.ods) — сохраните его как .xlsx",
              "a Word document": "документ Word", "a PowerPoint presentation": "презентация PowerPoint"},
    "what": {"holds": "брони времени", "bookings": "записи", "sign-in attempts": "попытки входа"},
}


def language(accept_language: str | None) -> Lang:
    """``ru`` if the header prefers Russian (highest q; the first on a tie), else ``en``."""
    best, best_q = "", 0.0
    for part in (accept_language or "").split(","):
        tag, *options = [p.strip() for p in part.split(";")]
        q = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > best_q:
            best, best_q = tag.lower().split("-")[0], q
    return "ru" if best == "ru" else "en"


def megabytes(size: int) -> str:
    """A byte limit in MB as people write it: ``20``, ``2.5``, ``0.01``."""
    return f"{round(size / 1_000_000, 2):g}"


def parameters(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name.split("!")[0].split(":")[0] for _, name, _, _ in string.Formatter().parse(template)
            if name is not None}


def render(message: Message, lang: Lang, code: str = "validation_error") -> str:
    """``message`` worded in ``lang`` (a Russian sentence starts with a capital letter)."""
    said = _render(message, lang, code)
    return said[:1].upper() + said[1:] if lang == "ru" else said


def _render(message: Message, lang: Lang, code: str = "validation_error") -> str:
    text = CATALOGUE.get(message.key)
    if text is None:
        if lang == "en":
            return message.key
        return problems.CODES.get(code, problems.CODES["validation_error"])[1]
    template = text[1] if lang == "ru" else text[0]
    values = {name: _value(name, value, lang) for name, value in message.params.items()}
    return template.format(**values)


def _value(name: str, value: object, lang: Lang) -> object:
    if isinstance(value, Message):
        return _render(value, lang)
    if lang == "en":
        return value
    if name == "field":
        return label(str(value))
    if name == "where":
        return place(str(value))
    if name == "mb":
        return str(value).replace(".", ",")
    return VALUES.get(name, {}).get(str(value), value)


def label(name: str, path: str = "") -> str:
    """A field's name for a person (``phone`` → «Телефон»)."""
    if name in fields.TITLES and path.startswith(tuple(f"/api/v1{p}" for p in fields.TITLED)):
        return fields.TITLES[name]
    return fields.FIELDS.get(name, name)


def place(where: str) -> str:
    """``schedule.mon`` → «График, пн»; ``exceptions[2026-03-05]`` → «Исключения, 2026-03-05»."""
    parts = [p for p in where.replace("[", ".").replace("]", "").split(".") if p]
    return ", ".join(fields.FIELDS.get(p, p) for p in parts).capitalize() if parts else where


def validation_detail(errors: Sequence[Mapping[str, Any]], lang: Lang, path: str = "") -> str:
    """pydantic's errors as one detail: its own words in English, plain Russian otherwise."""
    parts = []
    for e in errors[:5]:
        loc = [p for p in e.get("loc", ()) if p != "body"]
        if lang == "en":
            parts.append(f"{'.'.join(str(p) for p in loc) or 'body'}: {e.get('msg', 'invalid')}")
            continue
        problem = _problem_ru(e)
        if loc:
            parts.append(fields.VALIDATION_RU[0].format(field=_where(loc, path), problem=problem))
        elif e.get("type") in ("model_type", "model_attributes_type", "dict_type"):
            parts.append(render(Message("request.malformed"), "ru"))
        else:
            parts.append(fields.VALIDATION_RU[1].format(problem=problem))
    if not parts:
        return render(Message("request.invalid"), lang)
    return "; ".join(parts)


def _where(loc: Sequence[object], path: str) -> str:
    """``("schedule", "mon", 0, 1)`` → «График → пн → промежуток 1 → конец»."""
    names: list[str] = []
    for i, part in enumerate(loc):
        before = loc[i - 1] if i else None
        if not isinstance(part, int):
            names.append(label(str(part), path))
        elif isinstance(before, int) and names and names[-1].startswith(fields.INTERVAL):
            names.append(fields.ENDS[part] if part < len(fields.ENDS) else f"№{part + 1}")
        elif before in fields.WEEKDAYS or before == "intervals":
            names.append(f"{fields.INTERVAL} {part + 1}")
        else:
            names.append(f"№{part + 1}")
    return " → ".join(names)


def _problem_ru(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error" and isinstance(getattr(ctx.get("error"), "message", None), Message):
        said = render(ctx["error"].message, "ru")
        return said[:1].lower() + said[1:]
    if kind == "string_pattern_mismatch" and str(ctx.get("pattern")) in fields.PATTERNS:
        return fields.PATTERNS[str(ctx["pattern"])]
    template = fields.ERRORS.get(kind, fields.ERRORS["value_error"])[1]
    try:
        return template.format(**{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return fields.ERRORS["value_error"][1]
