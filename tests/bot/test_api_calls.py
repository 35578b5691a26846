"""Each booking step costs the bot at most two calls of the client API.

The bot asks the branch's card (settings, services, masters) once per step,
never every branch or every service to find one, plus the step's own
question (free slots, a hold, a booking).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.bot.support import ADDRESS, TOKEN, BotEnv, bot_env, registered
from tests.harness import Harness
from tests.seed import seed_salon

ANNA = 7101


@contextmanager
def counted(env: BotEnv) -> Iterator[list[str]]:
    """The API calls the bot makes while the block runs (method and path)."""
    calls: list[str] = []
    original = env.booking_api.call

    async def call(method: str, path: str, **kw: Any) -> Any:
        calls.append(f"{method} {path}")
        return await original(method, path, **kw)

    env.booking_api.call = call  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        env.booking_api.call = original  # type: ignore[method-assign]


async def test_every_booking_step_makes_at_most_two_api_calls(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    await seed_salon(h, client, address=ADDRESS)
    await seed_salon(h, client, name="Второй салон")  # two branches: the bot offers a choice
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990007101")
        steps: dict[str, list[str]] = {}
        for name, action in (
            ("book", lambda: anna.press("Записаться")),
            ("branch", lambda: anna.press(anna.buttons()[0])),
            ("service", lambda: anna.press("cut")),
            ("master", lambda: anna.press("👤 Master 2")),  # the master step (SPEC §9.6)
            ("day", lambda: anna.press("пн 2.03")),
            ("time", lambda: anna.press("10:00")),
            ("confirm", lambda: anna.press("Подтвердить запись")),
        ):
            with counted(env) as calls:
                await action()
            steps[name] = calls
        assert "Вы записаны" in anna.last_text()
        assert all(len(calls) <= 2 for name, calls in steps.items() if name != "time"), steps
        # the time: the branch, the hold, and the client's own visits (an overlap is asked about, SPEC §9.6)
        assert steps["time"] == [steps["time"][0], "POST /slots/hold", "GET /appointments/my"], steps
        assert steps["time"][0].startswith("GET /branches/")
        assert steps["confirm"][0] == "POST /appointments"
        every = [call for calls in steps.values() for call in calls]
        assert not [c for c in every if c.startswith(("GET /services", "GET /staff"))], steps  # no list scans

