"""The offline engine: reads the retrieved passages and states the item asked for, with the quote that gives it."""
