"""Bot settings from the environment (SPEC §7)."""

from __future__ import annotations

import pytest

from settings import Settings, SettingsError


def test_reminders_default_to_24_and_2_hours() -> None:
    # Regression: without ZAPIS_REMINDERS_BEFORE_H the slot descriptor leaked in.
    assert Settings.from_env({}).reminders_before_h == (24, 2)


def test_reminders_from_env() -> None:
    assert Settings.from_env({"ZAPIS_REMINDERS_BEFORE_H": "48,3"}).reminders_before_h == (48, 3)
    with pytest.raises(SettingsError):
        Settings.from_env({"ZAPIS_REMINDERS_BEFORE_H": "24,0"})


def test_webhook_mode_needs_a_well_formed_secret() -> None:
    env = {"ZAPIS_TELEGRAM_BOT_TOKEN": "1:abc", "ZAPIS_BOT_MODE": "webhook"}
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_env(env)
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_env({**env, "ZAPIS_WEBHOOK_SECRET": "bad secret!"})
    s = Settings.from_env({**env, "ZAPIS_WEBHOOK_SECRET": "s3cret_-X", "ZAPIS_WEBHOOK_URL": "https://x.example"})
    assert s.bot_enabled and s.webhook_secret == "s3cret_-X" and s.webhook_url == "https://x.example"


def test_bot_runs_only_with_a_token_and_not_off() -> None:
    assert not Settings.from_env({}).bot_enabled
    assert Settings.from_env({"ZAPIS_TELEGRAM_BOT_TOKEN": "1:abc"}).bot_enabled
    assert not Settings.from_env({"ZAPIS_TELEGRAM_BOT_TOKEN": "1:abc", "ZAPIS_BOT_MODE": "off"}).bot_enabled


def test_api_base_url_defaults_to_this_server() -> None:
    assert Settings.from_env({"ZAPIS_PORT": "9000"}).bot_api_base_url == "http://127.0.0.1:9000"
    assert Settings(host="0.0.0.0").bot_api_base_url == "http://127.0.0.1:8080"
    assert Settings(host="::").bot_api_base_url == "http://[::1]:8080"
    assert Settings.from_env({"ZAPIS_API_BASE_URL": "https://api.example/"}).bot_api_base_url == \
        "https://api.example"


def test_run_py_bot_needs_a_token_and_polling() -> None:
    from run import bot_problem, parse_args

    assert parse_args(["bot"]).command == "bot"
    assert "ZAPIS_TELEGRAM_BOT_TOKEN" in (bot_problem(Settings()) or "")
    assert "webhook" in (bot_problem(Settings(telegram_bot_token="1:a", bot_mode="webhook")) or "")
    assert bot_problem(Settings(telegram_bot_token="1:a")) is None
