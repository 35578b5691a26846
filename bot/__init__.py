"""The Telegram bot: the client's booking flow in Russian, and notifications that are never lost.

- Dialogue (aiogram 3): ``dispatcher.build_dispatcher`` assembles one router
  per feature (``routers/start``, ``routers/booking``, ``routers/mine``,
  ``routers/fallback``) with typed ``callbacks`` and the middlewares; every
  step calls the public client API over HTTP (``api``), signed with initData.
- Notifications: ``notifier`` reads the journal after its own checkpoint
  (``ledger``), renders ``notices`` and ``reminders``, delivers through
  ``sender`` (retries, ``retry_after``).
- Lifecycle: ``service.BotService`` (polling or webhook, started by
  ``run.py``), ``webhook`` (the Quart endpoint), ``standalone``
  (``python run.py bot``).

Importing this package imports nothing heavy; aiogram is loaded by the
modules that need it, and ``run.py`` imports them only when a bot runs.
"""
