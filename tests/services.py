"""Real services for the tests: a `chroma run` server and a redis-server, each on a free loopback port."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(what: str) -> None:
    """Fail under `make test` (BRIEFBOT_REQUIRE_SERVICES=1), skip visibly elsewhere."""
    message = f"{what} is not available; `make test` installs it"
    if os.environ.get("BRIEFBOT_REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


def wait_until(check, timeout: float = 30.0, what: str = "service") -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up in {timeout:.0f} s ({last!r})")


@dataclass
class ChromaServer:
    """A real Chroma server process; stop() and start() again on the same port and data, as in an outage."""

    path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    log: Path | None = None

    def start(self) -> None:
        exe = VENV_BIN / "chroma"
        if not exe.exists() and shutil.which("chroma") is None:
            missing("the `chroma` CLI")
        self.log = self.path.parent / f"chroma-{self.port}.log"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [str(exe if exe.exists() else "chroma"), "run", "--path", str(self.path), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT,
            )
        wait_until(self.healthy, 60, "chroma run")

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1) as r:
            return r.status == 200

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def env(self) -> dict[str, str]:
        return {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(self.port)}


@dataclass
class RedisServer:
    dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    persist: bool = False  # append-only file, fsync'd on every write: a killed Redis comes back with its data

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            missing("redis-server")
        durability = ["--appendonly", "yes", "--appendfsync", "always"] if self.persist else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *durability,
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        wait_until(ping, 20, "redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@dataclass
class Tmpfs:
    """A small tmpfs mounted on `path` (needs root, as in CI): a disk that can be filled or made read-only."""

    path: Path
    size_kb: int = 4096

    def mount(self) -> Tmpfs:
        self.path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size_kb}k", "tmpfs", str(self.path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()[:120]}); CI runs as root")
        return self

    def fill(self) -> None:
        """Write until the disk is full (ENOSPC)."""
        with open(self.path / "filler", "ab") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        try:
            with open(self.path / "filler2", "ab") as f:
                while True:
                    f.write(b"\0" * 512)
                    f.flush()
        except OSError:
            pass

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
