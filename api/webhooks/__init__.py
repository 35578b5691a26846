"""Outgoing webhooks (SPEC §9.4): the admin API, URL checks and the delivery worker."""
