"""«Добавить комментарий для мастера» (SPEC §9.6) without remembering anything between messages.

The prompt asks for the comment as a reply (``ForceReply``) and carries the
hold in a link on its first sign (``https://t.me/#hold-<id>``): Telegram gives
the replied-to message back with the reply, so the hold is read from it
(``html_text`` renders the link back), and the reply books the hold with the
comment. A reply to any other message is not a comment.
"""

from __future__ import annotations

import re

from aiogram.types import Message

from bot import texts

MAX_CHARS = 1000  # the API's limit of a booking's comment
_HOLD = re.compile(r"https://t\.me/#hold-([A-Za-z0-9_-]{6,64})")


def prompt(hold_id: str) -> str:
    return f'<a href="https://t.me/#hold-{hold_id}">💬</a> {texts.COMMENT_ASK}'


def hold_of(message: Message) -> str | None:
    """The hold a prompt carries, or None for any other message."""
    found = _HOLD.search(message.html_text if (message.text or message.caption) else "")
    return found.group(1) if found else None


def is_comment(message: Message) -> bool:
    """A text replying to a comment prompt."""
    return bool(message.text) and message.reply_to_message is not None and hold_of(message.reply_to_message) is not None


def clean(text: str) -> str:
    return text.strip()[:MAX_CHARS]
