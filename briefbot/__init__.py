"""The composition root: the command line that builds the parts (bot.wiring) and starts an adapter or a command.

Layers, each importing only those below it (checked by import-linter, `make lint`):
briefbot (this CLI) → adapters (Slack, Discord, console, web) → bot (the platform-free core) → knowledge (articles,
Chroma, the embedder).
"""
