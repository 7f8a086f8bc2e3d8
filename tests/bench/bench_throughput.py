"""Throughput of the resident page beside a bare Flask app, in one run, on loopback.

Both apps are served by the same gunicorn (gthread, 2 workers × 4 threads) and loaded by Debian's
``wrk -t4 -c4``; the load generator and the servers share this machine's cores, so the ratios to
the bare app are the figures to compare, not the raw rates. Scenarios:

- ``bare``: ``GET /`` of a five-line Flask app (the ceiling);
- ``page``: ``GET /s/hopes``;
- ``step``: GET the first page, then POST it back with its form key, token and an answer (the
  second page comes back);
- ``send``: GET the first page, then send the whole survey with its token (a new response is
  stored each time, 303 to the thank-you page).

``step`` and ``send`` count pairs per second. Then, in process, the time to answer ``GET /s/hopes``
and the step's POST (``--profile``: where that time goes).

Run: ``python tests/bench/bench_throughput.py [--seconds 10] [--profile]``. Needs ``gunicorn``
(installed with the app) and ``wrk`` (``apt-get install wrk``). Prints figures; asserts nothing.
``DATABASE_URL`` picks the database (SQLite in a temporary folder by default; a PostgreSQL
database given here is emptied). ``REDIS_URL`` sends tagging to Redis (start ``flask worker``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the commands of the environment running this script (a virtualenv need not live in the checkout)
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
FLASK = BIN / "flask"

BARE_APP = """\
from flask import Flask
app = Flask(__name__)
@app.get("/")
def hello():
    return "Hello"
"""

#: one GET then one POST per connection, the POST built from the page the GET returned
PAIR_SCRIPT = """\
local pending = nil
request = function()
  if pending then
    local body = pending
    pending = nil
    return wrk.format("POST", "/s/hopes", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
  end
  return wrk.format("GET", "/s/hopes")
end
response = function(status, headers, body)
  local key = body:match('name="csrf_token" value="([^"]+)"')
  local token = body:match('name="token"[^>]-value="([^"]+)"')
  if key and token and status == 200 then
    pending = "csrf_token=" .. key .. "&token=" .. token .. "&%s"
  end
end
"""
STEP_FIELDS = "page=0&q_hopes=More+trees+and+cheaper+rent&q_children=no&action=next"
SEND_FIELDS = (
    "page=2&q_hopes=More+trees+and+cheaper+rent&q_difference=A+bus+that+comes&q_children=no"
    "&q_trust=4&action=send"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(app: str, cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            *(str(GUNICORN), "-k", "gthread", "-w", "2", "--threads", "4"),
            *("-b", f"127.0.0.1:{port}", "--log-level", "warning", "--graceful-timeout", "2", app),
        ],
        cwd=cwd,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP error status: it is up
                break
            time.sleep(0.05)
    return process, base


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def wrk(url: str, seconds: int, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", "-t4", "-c4", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:(.*)", output)
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    return {
        "rate": rate,
        "bad": float(bad.group(1)) if bad else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
        "p50": p50.group(1) if p50 else "?",  # type: ignore[dict-item]
    }


def prepare(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.db'}")
    env.update(INSTANCE_PATH=str(tmp), SECRET_KEY="bench", APP_ENV="development")
    # Every send comes from this one address: the limit on sends per address would answer 429.
    env["RESIDENT_SEND_LIMIT"] = ""
    for command in ("init-db", "seed-demo"):
        subprocess.run(
            [str(FLASK), "--app", "wsgi", command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


def in_process(env: dict[str, str], profile: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from survey import create_app

    app = create_app(
        {"DATABASE_URL": env["DATABASE_URL"], "INSTANCE_PATH": env["INSTANCE_PATH"]}
        | {"SECRET_KEY": "bench"}
    )
    client = app.test_client()

    def step_body() -> str:
        page = client.get("/s/hopes").get_data(as_text=True)
        key = re.search(r'name="csrf_token" value="([^"]+)"', page)
        token = re.search(r'name="token"[^>]*value="([^"]+)"', page)
        assert key
        assert token
        return f"csrf_token={key.group(1)}&token={token.group(1)}&{STEP_FIELDS}"

    def post(body: str) -> None:
        client.post("/s/hopes", data=body, content_type="application/x-www-form-urlencoded").close()

    for _ in range(20):
        client.get("/s/hopes")
        post(step_body())
    gets, posts = [], []
    for _ in range(300):
        start = time.perf_counter()
        client.get("/s/hopes")
        gets.append((time.perf_counter() - start) * 1000)
        body = step_body()
        start = time.perf_counter()
        post(body)
        posts.append((time.perf_counter() - start) * 1000)
    for name, times in (("GET /s/hopes", gets), ("POST step", posts)):
        print(
            f"in process {name}: median {statistics.median(times):.2f} ms, "
            f"p95 {sorted(times)[int(len(times) * 0.95)]:.2f} ms"
        )
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(300):
                client.get("/s/hopes")
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        bodies = [step_body() for _ in range(300)]
        profiler = Profiler(interval=0.0002)
        with profiler:
            for body in bodies:
                post(body)
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    options = parser.parse_args()
    if shutil.which("wrk") is None or not GUNICORN.exists():
        print("skipped: needs wrk (apt-get install wrk) and gunicorn in .venv")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = prepare(tmp)
        (tmp / "bare.py").write_text(BARE_APP, encoding="utf-8")
        step_script = tmp / "step.lua"
        step_script.write_text(PAIR_SCRIPT.replace("%s", STEP_FIELDS), encoding="utf-8")
        send_script = tmp / "send.lua"
        send_script.write_text(PAIR_SCRIPT.replace("%s", SEND_FIELDS), encoding="utf-8")

        results: dict[str, dict[str, float]] = {}
        bare, bare_url = serve("bare:app", tmp, dict(os.environ))
        try:
            results["bare GET /"] = wrk(bare_url + "/", options.seconds)
        finally:
            stop(bare)
        app, url = serve("wsgi:app", ROOT, env)
        try:
            urllib.request.urlopen(url + "/s/hopes", timeout=5)  # warm both workers' caches
            results["GET /s/hopes"] = wrk(url + "/s/hopes", options.seconds)
            step = wrk(url + "/s/hopes", options.seconds, step_script)
            step["rate"] /= 2
            results["step: GET + POST page 1 (pairs)"] = step
            send = wrk(url + "/s/hopes", options.seconds, send_script)
            send["rate"] /= 2
            results["send: GET + POST all (pairs)"] = send
        finally:
            stop(app)

        ceiling = results["bare GET /"]["rate"]
        print(
            textwrap.dedent(
                f"""\
                gunicorn gthread 2x4, wrk -t4 -c4 -d{options.seconds}s, 127.0.0.1
                {"scenario":36s} {"per s":>9s} {"ratio":>6s} {"p50":>8s} {"non-2xx/3xx":>11s}"""
            )
        )
        for name, figures in results.items():
            print(
                f"{name:36s} {figures['rate']:9.0f} {figures['rate'] / ceiling:6.2f} "
                f"{figures['p50']:>8s} {int(figures['bad']):11d}"
            )
        in_process(env, "--profile" in sys.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
