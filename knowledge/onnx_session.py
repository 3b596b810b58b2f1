"""Opening an onnxruntime session off the caller's thread, without ever letting the process exit while that thread is
still inside onnxruntime (that aborted `briefbot gaps` with "terminate called without an active exception", issue 23).

Usage, for any model (the embedder in knowledge/onnx_embedder.py; the reader can do the same):

    self._session = open_in_background(lambda: ort.InferenceSession(path, opts), name="e5-onnx-session")
    ...
    self._session.result().run(...)   # waits for the open; an error in it is raised here, in the caller's thread

The thread is not a daemon: the interpreter joins it before it finalizes, so a command that finishes (or fails) in
the half second the session takes to open waits for the open to end instead of tearing onnxruntime down under it.
A daemon thread was the bug: Python does not wait for one, and C++ destructors ran while it was in the session's
constructor. `join_all` is the same wait, for code that wants it earlier (tests, an explicit shutdown).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")

_OPENING: set[threading.Thread] = set()
_LOCK = threading.Lock()


def open_in_background(opener: Callable[[], T], *, name: str) -> Future[T]:
    """`opener()` run on a thread of its own (non-daemon: the process waits for it); its result or error in a Future."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(opener())
        except BaseException as exc:  # raised again on first use, in the caller's thread
            future.set_exception(exc)
        finally:
            with _LOCK:
                _OPENING.discard(threading.current_thread())

    thread = threading.Thread(target=run, name=name, daemon=False)
    with _LOCK:
        _OPENING.add(thread)
    thread.start()
    return future


def join_all(timeout: float | None = None) -> bool:
    """Wait for every session still opening; False when one is still inside onnxruntime after `timeout` seconds."""
    with _LOCK:
        threads = list(_OPENING)
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)
