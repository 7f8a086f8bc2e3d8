"""Resident pages: size on the wire, render time, and how many answers per second we store.

Run: ``python tests/bench/bench_resident.py`` (or ``make bench``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from survey import create_app  # noqa: E402
from survey.i18n import LOCALE_CODES  # noqa: E402
from survey.migrate import upgrade  # noqa: E402
from survey.services.demo import seed  # noqa: E402
from tests.pages import submit  # noqa: E402


def make_app(tmp: Path):
    app = create_app(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}",
            "INSTANCE_PATH": str(tmp),
            "SECRET_KEY": "bench",
            # one client sends every response: the per-address limit would measure itself
            "RESIDENT_SEND_LIMIT": "",
        }
    )
    engine = app.extensions["cv_engine"]
    upgrade(engine)
    from sqlmodel import Session

    with Session(engine) as session:
        seed(session=session, answers=True)
        session.commit()
    return app


def page_sizes(client) -> None:
    print("resident page /s/hopes (HTML with inline CSS)")
    for code in LOCALE_CODES:
        body = client.get(f"/s/hopes?lang={code}").data
        print(
            f"  {code:8s} {len(body):6d} bytes raw, {len(gzip.compress(body, 9)):5d} bytes gzipped"
        )


def public_page_sizes(client) -> None:
    print("public page /p/riverside (HTML with inline CSS)")
    for code in LOCALE_CODES:
        body = client.get(f"/p/riverside?lang={code}").data
        print(
            f"  {code:8s} {len(body):6d} bytes raw, {len(gzip.compress(body, 9)):5d} bytes gzipped"
        )


def offline_sizes(client) -> None:
    """What a phone fetches to keep the survey offline: the script and the service worker."""
    with client.get("/static/offline.js") as served:
        script = served.data
    worker = client.get("/s/sw.js").data
    both = len(gzip.compress(script, 9)) + len(gzip.compress(worker, 9))
    print(
        f"offline script {len(gzip.compress(script, 9))} + service worker "
        f"{len(gzip.compress(worker, 9))} = {both} bytes gzipped (budget 10240)"
    )
    first = max(len(gzip.compress(client.get(f"/s/hopes?lang={c}").data, 9)) for c in LOCALE_CODES)
    print(
        f"first page with everything it needs: {first + both} bytes gzipped at most (budget 14336)"
    )
    copy = client.get("/s/hopes/offline?lang=en").data
    print(f"offline copy /s/hopes/offline: {len(gzip.compress(copy, 9))} bytes gzipped")


def render_times(client, n: int = 300) -> None:
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        client.get("/s/hopes")
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(
        f"render GET /s/hopes x{n}: p50 {statistics.median(timings):.2f} ms, "
        f"p95 {timings[int(n * 0.95)]:.2f} ms"
    )


def submissions(client, n: int = 300) -> None:
    start = time.perf_counter()
    for i in range(n):
        page = client.get("/s/hopes")
        two = submit(
            client, "/s/hopes", page.data, {"q_hopes": f"A safe park {i}", "q_children": "no"}
        )
        three = submit(client, "/s/hopes", two.data, {"q_trust": "3"})
        done = submit(client, "/s/hopes", three.data, {"q_age_group": "25_34"}, "send")
        assert done.status_code == 303, done.status_code
    elapsed = time.perf_counter() - start
    print(
        f"full resident flow (3 pages + send) x{n}: {n / elapsed:.1f} responses/s "
        f"({elapsed / n * 1000:.1f} ms each, one process, test client)"
    )


def wrk_load(tmp: Path) -> None:
    if not shutil.which("wrk"):
        print("wrk not installed: skipping the gunicorn load figure (apt-get install wrk)")
        return
    port = "5098"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "INSTANCE_PATH": str(tmp),
        "SECRET_KEY": "bench",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "gthread",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(2.5)
        out = subprocess.run(
            ["wrk", "-t2", "-c16", "-d8s", f"http://127.0.0.1:{port}/s/hopes"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        lines = [
            line.strip() for line in out.splitlines() if "Requests/sec" in line or "Latency" in line
        ]
        print("gunicorn gthread 2x4 on loopback, wrk -t2 -c16 -d8s GET /s/hopes:", "; ".join(lines))
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        app = make_app(tmp)
        client = app.test_client()
        page_sizes(client)
        public_page_sizes(client)
        offline_sizes(client)
        render_times(client)
        submissions(client)
        app.extensions["cv_engine"].dispose()
        wrk_load(tmp)


if __name__ == "__main__":
    main()
