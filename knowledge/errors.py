"""Errors that carry a message fit to show a user; anything else is a bug and gets an apology.

They live in the lowest layer because knowledge/ raises them too (a store that is missing, damaged or full);
bot/common/errors.py re-exports them beside the core's own.
"""
from __future__ import annotations


class BriefbotError(Exception):
    """A failure with a user-facing explanation (already in the asker's language when it can be)."""

    def __init__(self, message: str, *, language: str = "en") -> None:
        super().__init__(message)
        self.message = message
        self.language = language


class StoreError(BriefbotError):
    """A store (the knowledge base or the state store) is missing, unreachable, damaged or full."""


class ConfigError(BriefbotError):
    """Configuration is missing or wrong; names the variable, never its value."""
