"""briefbot's platform-free core: retrieval, grounded answers, conversation memory."""
