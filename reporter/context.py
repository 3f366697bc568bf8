"""Access to the running application's settings."""

from __future__ import annotations

from flask import current_app

from reporter.settings import Settings


def current_settings() -> Settings:
    settings: Settings = current_app.extensions["reporter.settings"]
    return settings
