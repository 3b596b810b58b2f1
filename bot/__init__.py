"""The platform-free core, one package per part (imports run down this list; import-linter checks it):

wiring     the composition root: build_bot constructs Chroma, the embedder, the engine and the state store
core       the Bot: joins retrieval, an engine and the state behind the seam every adapter talks to
reading    the offline engine: reads the passages and states the item asked for, with its quote
llm        the LLM engine: a chat model answers from the passages, its citations checked
state      conversations, feedback, work records, gaps, rate limits and the answer gate (SQLite or Redis)
retrieval  the passages nearest a question (Chroma, or its vectors in memory)
language   words, names, numbers, dates, question analysis, follow-ups and the bot's phrases, in English and Dutch
common     the answer's data types, errors, settings, thresholds, logs and metrics
"""
