"""The LLM engine: a chat model (LangChain) answers from the retrieved passages, its citations checked."""
