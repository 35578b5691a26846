"""Configuration from ``ZAPIS_*`` environment variables (SPEC §7).

``Settings.from_env()`` is called once, by ``run.py``; nothing else reads the
environment. Tests build ``Settings`` directly with the values they need.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


# Telegram's rule for setWebhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SettingsError(ValueError):
    """A ``ZAPIS_*`` variable has a value that cannot be used."""


def public_url(raw: str | None) -> str | None:
    """``ZAPIS_PUBLIC_URL`` without its trailing slash; an absolute http(s) URL or nothing."""
    if raw is None:
        return None
    if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", raw):
        raise SettingsError(f"ZAPIS_PUBLIC_URL must be an absolute http(s) URL such as https://zapis.example.com, "
                            f"got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = field(default=None, repr=False)  # None: SQLite; may hold a password
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8080
    jwt_secret: str | None = field(default=None, repr=False)  # required unless --demo
    jwt_ttl_s: int = 12 * 3600
    telegram_bot_token: str | None = field(default=None, repr=False)
    bot_mode: str = "polling"  # polling | webhook | off
    telegram_api_url: str | None = None  # None: Telegram's own
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_url: str | None = None  # public base URL Telegram posts updates to (webhook mode)
    api_base_url: str | None = None  # the client API the bot calls; None: http://host:port
    telegram_auth_max_age_s: int = 86400
    hold_ttl_s: int = 300
    waitlist_offer_ttl_s: int = 900  # how long freed time is held for a waitlisted client (SPEC §9.3)
    default_region: str = "RU"
    admin_password: str | None = field(default=None, repr=False)
    snapshot_every: int = 10_000  # events between automatic snapshots
    holds_per_minute: int = 20
    bookings_per_minute: int = 20
    logins_per_minute: int = 10
    max_body_bytes: int = 1_000_000
    import_max_bytes: int = 20_000_000
    import_max_rows: int = 200_000
    reminders_before_h: tuple[int, ...] = (24, 2)
    feedback_delay_h: int = 2  # «Как прошёл визит?» this long after a visit is done (SPEC §9.3)
    ws_auth_timeout_s: float = 5.0  # a dashboard socket must authenticate within this (else 4401)
    ws_queue_max: int = 1000  # frames a socket may fall behind before it is closed (4008)
    ws_ping_interval_s: float = 20.0  # heartbeat of dashboard sockets (app and protocol pings)
    workers: int = 1  # serving processes (`run.py --workers N`); above 1 needs PostgreSQL
    trusted_proxy_hops: int = 0  # reverse proxies in front whose X-Forwarded-For is believed (api/proxied.py)
    public_url: str | None = None  # the server's address outside (calendar-feed URLs); None: the request's
    metrics_token: str | None = field(default=None, repr=False)  # GET /metrics needs it as a bearer token
    webhook_allow_private: bool = False  # outgoing webhooks to http:// and private addresses (api/webhooks/urls.py)
    webhook_timeout_s: float = 10.0  # one delivery attempt, start to end
    webhook_backoff_s: float = 1.0  # the first retry's delay; doubling with jitter, for 24 h
    webhook_backoff_max_s: float = 3600.0

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "zapis.sqlite3"

    @property
    def bot_api_base_url(self) -> str:
        """Where the bot reaches the client API: ``api_base_url``, else this server's own address."""
        if self.api_base_url:
            return self.api_base_url.rstrip("/")
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def bot_enabled(self) -> bool:
        """A bot runs (updates and notifications) when a token is set and the mode is not ``off``."""
        return bool(self.telegram_bot_token) and self.bot_mode != "off"

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"ZAPIS_{name}")
            return value if value else None

        def integer(name: str, default: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"ZAPIS_{name} must be an integer, got {raw!r}") from None
            if value < 0:
                raise SettingsError(f"ZAPIS_{name} must not be negative")
            return value

        def seconds(name: str, default: float) -> float:
            raw = get(name)
            try:
                value = float(raw) if raw is not None else default
            except ValueError:
                raise SettingsError(f"ZAPIS_{name} must be a number of seconds, got {raw!r}") from None
            if not 0 < value < 1e9:
                raise SettingsError(f"ZAPIS_{name} must be positive")
            return value

        token = get("TELEGRAM_BOT_TOKEN")
        mode = (get("BOT_MODE") or "polling").lower()
        if mode not in {"polling", "webhook", "off"}:
            raise SettingsError("ZAPIS_BOT_MODE must be polling, webhook or off")
        d = cls()
        reminders = get("REMINDERS_BEFORE_H")
        try:  # (``cls.reminders_before_h`` would be the slot descriptor, not the default)
            reminder_hours = (
                tuple(int(h) for h in reminders.split(",")) if reminders else d.reminders_before_h
            )
        except ValueError:
            raise SettingsError("ZAPIS_REMINDERS_BEFORE_H must be hours, e.g. 24,2") from None
        if any(h <= 0 for h in reminder_hours):
            raise SettingsError("ZAPIS_REMINDERS_BEFORE_H must be positive hours, e.g. 24,2")
        secret = get("WEBHOOK_SECRET")
        if secret is not None and not _WEBHOOK_SECRET.fullmatch(secret):
            raise SettingsError("ZAPIS_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if token and mode == "webhook" and secret is None:
            raise SettingsError("ZAPIS_BOT_MODE=webhook needs ZAPIS_WEBHOOK_SECRET (Telegram's secret token)")
        return cls(
            database_url=get("DATABASE_URL"),
            data_dir=Path(get("DATA_DIR") or "var"),
            host=get("HOST") or d.host,
            port=integer("PORT", d.port),
            jwt_secret=get("JWT_SECRET"),
            jwt_ttl_s=integer("JWT_TTL_S", d.jwt_ttl_s),
            telegram_bot_token=token,
            bot_mode=mode,
            telegram_api_url=get("TELEGRAM_API_URL"),
            webhook_secret=secret,
            webhook_url=get("WEBHOOK_URL"),
            api_base_url=get("API_BASE_URL"),
            telegram_auth_max_age_s=integer("TELEGRAM_AUTH_MAX_AGE_S", d.telegram_auth_max_age_s),
            hold_ttl_s=integer("HOLD_TTL_S", d.hold_ttl_s),
            waitlist_offer_ttl_s=max(1, integer("WAITLIST_OFFER_TTL_S", d.waitlist_offer_ttl_s)),
            default_region=(get("DEFAULT_REGION") or d.default_region).upper(),
            admin_password=get("ADMIN_PASSWORD"),
            snapshot_every=integer("SNAPSHOT_EVERY", d.snapshot_every),
            holds_per_minute=integer("HOLDS_PER_MINUTE", d.holds_per_minute),
            bookings_per_minute=integer("BOOKINGS_PER_MINUTE", d.bookings_per_minute),
            logins_per_minute=integer("LOGINS_PER_MINUTE", d.logins_per_minute),
            max_body_bytes=integer("MAX_BODY_BYTES", d.max_body_bytes),
            import_max_bytes=integer("IMPORT_MAX_BYTES", d.import_max_bytes),
            import_max_rows=integer("IMPORT_MAX_ROWS", d.import_max_rows),
            reminders_before_h=reminder_hours,
            feedback_delay_h=integer("FEEDBACK_DELAY_H", d.feedback_delay_h),
            ws_auth_timeout_s=float(integer("WS_AUTH_TIMEOUT_S", int(d.ws_auth_timeout_s)) or 1),
            ws_queue_max=max(1, integer("WS_QUEUE_MAX", d.ws_queue_max)),
            ws_ping_interval_s=float(integer("WS_PING_INTERVAL_S", int(d.ws_ping_interval_s)) or 1),
            workers=integer("WORKERS", d.workers),
            trusted_proxy_hops=integer("TRUSTED_PROXY_HOPS", d.trusted_proxy_hops),
            public_url=public_url(get("PUBLIC_URL")),
            metrics_token=get("METRICS_TOKEN"),
            webhook_allow_private=get("WEBHOOK_ALLOW_PRIVATE") in {"1", "true", "yes"},
            webhook_timeout_s=float(integer("WEBHOOK_TIMEOUT_S", int(d.webhook_timeout_s)) or 1),
            webhook_backoff_s=seconds("WEBHOOK_BACKOFF_S", d.webhook_backoff_s),
            webhook_backoff_max_s=seconds("WEBHOOK_BACKOFF_MAX_S", d.webhook_backoff_max_s),
        )
