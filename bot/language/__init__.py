"""Reading and writing English and Dutch: words, names, numbers, dates, the question's analysis, follow-ups and the
bot's phrases; shared by retrieval and both engines."""
