"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

Chromium reads protocol messages from file descriptor 3 and writes to 4, each a
JSON object ended by a NUL byte. Over that pipe the tests open a page, record
every network request and console message, measure where an element is and take
a screenshot, with the same Chromium that prints the brief's PDF and nothing
else installed: no websocket library, no browser driver package with a browser
build of its own to download, no port to open.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from typing import Any

from sovopt.brief.pdf import chromium_args

INSTALL_HINT = ("Chromium is needed to test the brief in a real browser: run "
                "`bash tools/install_test_deps.sh` (Debian's chromium package) or "
                "`make test-deps`")


def chromium_program() -> str:
    """The Chromium program; fails the test (never skips it) when there is none."""
    import pytest

    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(INSTALL_HINT, pytrace=False)
    raise AssertionError  # unreachable


class Browser:
    """Headless Chromium driven over the DevTools pipe; use as a context manager."""

    def __init__(self, program: str, width: int = 1280, height: int = 900):
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="sovopt-cdp-")
        cmd_r, cmd_w = os.pipe()  # we write commands, Chromium reads fd 3
        ev_r, ev_w = os.pipe()    # Chromium writes fd 4, we read
        args = [*chromium_args(program, self.profile), "--remote-debugging-pipe",
                f"--window-size={width},{height}", "about:blank"]
        def as_3_and_4() -> None:  # in the child, before the fds not kept are closed
            r, w = os.dup(cmd_r), os.dup(ev_w)  # free of 3 and 4 before either is set
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=as_3_and_4,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(cmd_r)
        os.close(ev_w)
        self.out = os.fdopen(cmd_w, "wb")
        self.inp = os.fdopen(ev_r, "rb")
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.send("Browser.close", session=False, wait=False)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.out, self.inp):
            with contextlib.suppress(OSError):
                f.close()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    # --- the protocol --------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium sent nothing in time")
            chunk = os.read(self.inp.fileno(), 1 << 16)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr \
                    else ""
                raise ConnectionError(f"Chromium closed the DevTools pipe: {err[-800:]}")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, session: bool = True,
             wait: bool = True, timeout: float = 60.0) -> dict[str, Any]:
        """Send one command (to the attached page unless ``session`` is False); its result."""
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        self.out.write(json.dumps(msg).encode() + b"\0")
        self.out.flush()
        if not wait:
            return {}
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        """The first event ``method`` (already received or still to come)."""
        for e in self.events:
            if e["method"] == method:
                return e
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_message(deadline)
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg

    # --- what the tests use ----------------------------------------------------------

    def open(self, url: str) -> None:
        """A new page with every domain the checks read enabled, loaded with ``url``."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1,
                   "mobile": False})
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        self.send("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 300))",
                                       "awaitPromise": True})

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        got = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in got:
            raise RuntimeError(f"{expression}: {got['exceptionDetails']}")
        return got["result"].get("value")

    def screenshot(self) -> bytes:
        """A PNG of the viewport."""
        return base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])

    def requests(self) -> list[str]:
        """The URL of every request the page made."""
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error",
                                                                                "assert"):
                out.append(" ".join(str(a.get("value", a.get("description")))
                                    for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                out.append(str(p.get("exceptionDetails", {}).get("text")))
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(str(p["entry"].get("text")))
        return out
