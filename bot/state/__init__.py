"""What the bot keeps between messages: conversations, feedback, work records, gaps, rate limits and the answer gate
(SQLite or Redis)."""
