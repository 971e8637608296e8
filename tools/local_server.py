"""Run the Streamlit app on 127.0.0.1 in a child process (browser tests and ``python -m tools.bench``)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cnrmap.config import child_environment, get_settings


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(
    env: dict[str, str] | None = None, timeout: float = 60, root: Path | None = None, script: str = "serve.py"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run serve.py`` (or ``script``) on a free local port; yield its base URL and process once it answers.

    Parameters
    ----------
    env : dict, optional
        Variables added to this process' environment for the server.
    timeout : float
        Seconds the server may take to answer.
    root : Path, optional
        Checkout whose app is run, from that folder (default: :attr:`cnrmap.config.Settings.root`).
    script : str
        What ``streamlit run`` runs: ``serve.py`` (caches filled before the server answers) or ``app.py``.

    Raises
    ------
    RuntimeError
        With the server's error output, if it stops or does not answer within ``timeout`` seconds.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=root if root is not None else get_settings().root,
        env=child_environment(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode() if process.stderr else "") from None
                time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def resident_memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory of a process now and at its peak (``VmRSS``, ``VmHWM`` of ``/proc``), in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
