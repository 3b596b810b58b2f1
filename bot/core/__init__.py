"""The Bot: joins retrieval, an engine and the state store behind the one seam every adapter talks to."""
