"""Finding the passages nearest a question in the knowledge base (Chroma, or its vectors in memory)."""
