"""Errors that carry a message fit to show a user; anything else is a bug and gets an apology."""
from __future__ import annotations


class BriefbotError(Exception):
    """A failure with a user-facing explanation (already in the asker's language when it can be)."""

    def __init__(self, message: str, *, language: str = "en") -> None:
        super().__init__(message)
        self.message = message
        self.language = language


class InputError(BriefbotError):
    """The question itself is unusable: empty, or longer than the cap."""


class EmptyQuestion(InputError):
    """Nothing left to ask once mentions, invisible characters and chat manners are gone: show how to ask."""


class ConfigError(BriefbotError):
    """Configuration is missing or wrong; names the variable, never its value."""


class StoreError(BriefbotError):
    """A store (the knowledge base or the state store) is missing, unreachable, damaged or full."""


class LLMError(BriefbotError):
    """The language model failed or timed out."""


class RateLimited(BriefbotError):
    """The asker has used up their share of questions for now."""
