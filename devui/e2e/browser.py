#!/usr/bin/env python3
"""The browser half of devui/e2e/run.sh: drives headless Chromium over the DevTools
protocol on a pipe (--remote-debugging-pipe: no extra packages, no open port) against a
running `crdt dev-ui`, checks each page's rendered DOM, watches for JavaScript dialogs,
console errors and Content-Security-Policy violations, saves a screenshot and the DOM of
each page, and exercises the filter form and the Refresh button.

Usage: browser.py BASE_URL OUT_DIR CRDT_BIN DB
  CRDT_BIN and DB: the `crdt` binary and the served database, into which the live-data
  checks commit new keys (`crdt import`) while the server runs.

Prints one line per failed check, then `N passed, M failed`; exit 1 on any failure.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--hide-scrollbars", "--remote-debugging-pipe",
]
TIMEOUT = 30.0


class Browser:
    """One Chromium process, one page, CDP messages as NUL-terminated JSON on fds 3/4."""

    def __init__(self, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            # Chromium reads commands on fd 3 and writes answers on fd 4. Duplicate first,
            # so that a pipe end that already is fd 3 or 4 is not lost; the duplicates are
            # close-on-exec, the dup2 targets are inherited.
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            ["chromium", *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=fds, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})

    def _read(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def _handle(self, msg):
        if msg.get("method") == "Page.javascriptDialogOpening":
            self.events.append(("dialog", msg["params"].get("message", "")))
            self.send("Page.handleJavaScriptDialog", {"accept": True})
        elif msg.get("method") == "Runtime.exceptionThrown":
            self.events.append(("exception", json.dumps(msg["params"])[:300]))
        elif msg.get("method") == "Runtime.consoleAPICalled":
            args = msg["params"].get("args", [])
            self.events.append(("console", " ".join(str(a.get("value")) for a in args)))
        elif msg.get("method") == "Log.entryAdded":
            e = msg["params"]["entry"]
            self.events.append(("log:" + e.get("level", ""), e.get("text", "")))
        elif msg.get("method"):
            self.events.append((msg["method"], ""))

    def send(self, method, params=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def call(self, method, params=None):
        want = self.send(method, params)
        deadline = time.monotonic() + TIMEOUT
        while True:
            msg = self._read(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._handle(msg)

    def wait_for(self, method):
        deadline = time.monotonic() + TIMEOUT
        while not any(e[0] == method for e in self.events):
            self._handle(self._read(deadline))

    def goto(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def js(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def click_and_wait(self, selector):
        self.events.clear()
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.session = None
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - best effort, then kill our own child
            self.proc.kill()
            self.proc.wait()


# What every page must satisfy, as one expression evaluated in the page.
PAGE_FACTS = """(() => ({
  js: document.documentElement.dataset.js || "",
  scripts: document.scripts.length,
  scriptSrc: [...document.scripts].map(s => s.getAttribute("src")),
  images: document.images.length,
  handlers: [...document.querySelectorAll("*")].filter(e =>
      [...e.attributes].some(a => a.name.startsWith("on"))).map(e => e.tagName),
  text: document.body.innerText,
  title: document.title,
  html: document.documentElement.outerHTML,
}))()"""


class Run:
    def __init__(self, base, out):
        self.base, self.out = base, out
        self.passed = self.failed = 0

    def check(self, name, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"devui e2e: FAIL {name}: {what}", file=sys.stderr)

    def page(self, b, name, path, has=(), hasnt=(), select=None):
        """Loads path, saves NAME.png / NAME.html, runs the common and the given checks."""
        try:
            b.goto(self.base + path)
            facts = b.js(PAGE_FACTS)
            b.screenshot(os.path.join(self.out, name + ".png"))
        except Exception as e:  # noqa: BLE001 - reported as a failed check
            self.check(name, False, f"could not load {path}: {e}")
            return None
        with open(os.path.join(self.out, name + ".html"), "w", encoding="utf-8") as f:
            f.write(facts["html"])
        self.common(name, b, facts)
        for t in has:
            self.check(name, t in facts["text"], f"text missing: {t!r}")
        for t in hasnt:
            self.check(name, t not in facts["text"], f"text present: {t!r}")
        for selector, want in (select or {}).items():
            got = b.js(f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent")
            self.check(name, got == want, f"{selector}: {got!r}, expected {want!r}")
        return facts

    def common(self, name, b, facts):
        self.check(name, facts["js"] == "ready", "the page's script did not run")
        self.check(name, facts["scriptSrc"] == ["/assets/app.js"],
                   f"script elements: {facts['scriptSrc']}")
        self.check(name, facts["images"] == 0, f"{facts['images']} img elements")
        self.check(name, not facts["handlers"], f"inline handlers on {facts['handlers']}")
        dialogs = [e for e in b.events if e[0] == "dialog"]
        self.check(name, not dialogs, f"JavaScript dialogs opened: {dialogs}")
        noisy = [e for e in b.events
                 if e[0] in ("exception", "log:error") or
                 "Content Security Policy" in e[1]]
        # A 404 page logs the failed load of its own URL; nothing else may complain.
        noisy = [e for e in noisy if "status of 404" not in e[1]]
        self.check(name, not noisy, f"errors or CSP violations: {noisy}")
        self.check(name, "crdt dev-ui" in facts["title"], f"title {facts['title']!r}")


def main():
    base, out, crdt, db = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]

    def commit(key):
        """Commits state `docs/KEY` with another process while the server runs."""
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write('{"kind":"header","format":"crdt-export","version":1}\n')
            f.write(json.dumps({"kind": "state", "ns": "docs", "key": key,
                                "value_hex": "6c697665"}) + "\n")
        done = subprocess.run([crdt, "import", db, f.name], capture_output=True, text=True,
                              check=False)
        os.unlink(f.name)
        return done

    run = Run(base, out)
    xss = "<script>alert(1)</script>"
    xss_q = "%3Cscript%3Ealert%281%29%3C%2Fscript%3E"
    with tempfile.TemporaryDirectory() as profile:
        b = Browser(profile)
        try:
            run.page(b, "overview", "/",
                     has=["docs", "sensors", "tasks", "xss", "x\"ss'<b>ns</b>",
                          "Format version"])
            run.page(b, "namespace", "/namespace?ns=sensors",
                     has=["Entities 1–50 of 120", "s-000", "s-049", "GCounter", "next ›"],
                     hasnt=["s-050"], select={"#ns-name": "sensors"})
            run.page(b, "namespace-xss", "/namespace?ns=xss", has=[xss])
            run.page(b, "entity", "/entity?ns=docs&key=readme-tags",
                     has=["ORSet<String>", "schema version 1", '"draft"', '"published"',
                          '"reviewed"', "00000000  cd 45 4e 56"])
            run.page(b, "entity-xss", f"/entity?ns=xss&key={xss_q}",
                     has=[xss, "<img src=x onerror=alert(2)>"],
                     select={"#entity-key": xss})
            run.page(b, "entity-events", "/entity?ns=tasks&key=task-1",
                     has=["At seq 2, schema version 1.", "Events 1–3 of 3", "ship it",
                          "alice"])
            run.page(b, "value", "/value?ns=docs&key=long&part=state",
                     has=["0123456789", "Bytes 0–", "next ›"])
            run.page(b, "format", "/format",
                     has=["crdt version 2", "Manifest generation", "current"])
            run.page(b, "namespace-quotes", "/namespace?ns=x%22ss%27%3Cb%3Ens%3C%2Fb%3E",
                     has=["k\"'&<>"], select={"#ns-name": "x\"ss'<b>ns</b>"})
            facts = run.page(b, "not-found", "/entity?ns=docs&key=nope",
                             has=["Not found", 'entity "nope"'])
            if facts is not None:
                status = b.js("performance.getEntriesByType('navigation')[0].responseStatus")
                run.check("not-found", status == 404, f"status {status}")

            # The key-prefix filter, through the form.
            b.goto(base + "/namespace?ns=sensors")
            b.js("document.querySelector('input[name=prefix]').value = 's-11'")
            b.click_and_wait("form.filter button")
            facts = b.js(PAGE_FACTS)
            run.common("filter-form", b, facts)
            run.check("filter-form", "Entities 1–10 of 10" in facts["text"],
                      "the filter did not narrow the list to s-11x")
            run.check("filter-form", b.js("location.search").find("prefix=s-11") >= 0,
                      "the form did not put the prefix in the URL")
            b.screenshot(os.path.join(out, "filter-form.png"))

            # Live data: a commit made while the page is open shows after Refresh.
            b.goto(base + "/namespace?ns=docs")
            before = b.js(PAGE_FACTS)["text"]
            run.check("live", "live-key" not in before, "live-key present before the commit")
            done = commit("live-key")
            run.check("live", done.returncode == 0, f"the live commit failed: {done.stderr}")
            b.click_and_wait("#refresh")
            after = b.js(PAGE_FACTS)
            run.common("live", b, after)
            run.check("live", "live-key" in after["text"], "Refresh did not show the new key")
            b.screenshot(os.path.join(out, "live.png"))

            # Auto-refresh: switched on, the page follows a commit without a click.
            b.js("document.getElementById('auto').click()")
            run.check("auto-refresh", b.js("localStorage.getItem('crdt-dev-ui.auto-refresh')")
                      == "1", "the switch was not remembered")
            done = commit("auto-key")
            run.check("auto-refresh", done.returncode == 0, f"commit failed: {done.stderr}")
            # A reload may already have been under way during the commit: wait for up to
            # three reloads (2 s apart) to show the key.
            for _ in range(3):
                b.events.clear()
                b.wait_for("Page.loadEventFired")
                facts = b.js(PAGE_FACTS)
                if "auto-key" in facts["text"]:
                    break
            run.common("auto-refresh", b, facts)
            run.check("auto-refresh", "auto-key" in facts["text"],
                      "the page did not reload to show the new key")
            run.check("auto-refresh", b.js("document.getElementById('auto').checked") is True,
                      "the switch is off after the reload")
        finally:
            b.close()
    print(f"{run.passed} passed, {run.failed} failed")
    return 0 if run.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
