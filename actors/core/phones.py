"""Phone numbers to E.164 through ``phonenumbers`` (never by hand)."""

from __future__ import annotations

import phonenumbers

from actors.core.errors import InvalidInput


def normalize_phone(raw: str, region: str = "RU") -> str:
    """Return ``raw`` as E.164 (``+79991234567``), or raise ``InvalidInput``.

    Accepts any common local or international form: ``8 999 123-45-67``,
    ``+7 (999) 123 45 67``, ``9991234567`` (national number without prefix).
    An extension (``доб. 12``) is kept as ``;ext=12`` so two desks sharing a
    trunk number stay two people.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("phone.empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("phone.unparsable", phone=text) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("phone.invalid", phone=text)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164
