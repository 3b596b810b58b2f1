"""The core's errors: the ones knowledge/ raises too (BriefbotError, ConfigError, StoreError, defined there) and
those only the core raises."""
from __future__ import annotations

from knowledge.errors import BriefbotError, ConfigError, StoreError

__all__ = ["BriefbotError", "ConfigError", "EmptyQuestion", "InputError", "LLMError", "RateLimited", "StoreError"]


class InputError(BriefbotError):
    """The question itself is unusable: empty, or longer than the cap."""


class EmptyQuestion(InputError):
    """Nothing left to ask once mentions, invisible characters and chat manners are gone: show how to ask."""


class LLMError(BriefbotError):
    """The language model failed or timed out."""


class RateLimited(BriefbotError):
    """The asker has used up their share of questions for now."""
