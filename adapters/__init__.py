"""Platform adapters; importing the package registers their phrases with the core."""
from adapters import phrases as _phrases  # noqa: F401
