"""Chromium for the tests that look at the course as a person does (students' path, formgrader).

Debian's chromium driven by Playwright (its driver ships in the wheel: never ``playwright
install``); ``.ci/run`` installs the browser. The flags keep a headless run, as root, off the
network: without the background-networking ones Chromium keeps calling hosts that are not there.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MISSING = "needs Debian's chromium (apt-get install chromium; .ci/run installs it)"


def launch(playwright, profile: Path | str, width: int = 1400, height: int = 1000):
    """A fresh headless Chromium with its own profile folder."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        viewport={"width": width, "height": height})


def stop(server: subprocess.Popen, seconds: float = 20) -> None:
    """End a server the test started; kill it if it does not stop in time."""
    server.terminate()
    try:
        server.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        server.kill()
