"""``make bench``: every benchmark, one after the other, figures printed (nothing asserted).

``python tests/bench/run_all.py [--no-semantic]``. Analysis data: ``../shared/data`` beside the
repository, or ``$CV_SHARED_DATA``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bench_resident.py", ()),
    ("bench_throughput.py", ()),
    ("bench_queue.py", ()),
    ("bench_insights.py", ()),
    ("bench_weighting.py", ()),
    ("bench_codebook.py", ()),
    ("bench_learned.py", ()),
    ("bench_learned.py", ("--semantic", "--cache")),
    ("bench_sib200.py", ()),
    ("bench_parity.py", ()),
    ("bench_sentiment.py", ()),
    ("bench_tagging_speed.py", ()),
    ("bench_review_order.py", ()),
)


def main() -> int:
    no_semantic = "--no-semantic" in sys.argv[1:]
    failed = []
    for script, options in BENCHMARKS:
        if no_semantic and "--semantic" in options:
            continue
        takes_flag = script in {"bench_sib200.py", "bench_parity.py", "bench_tagging_speed.py"}
        argv = [*options, *(("--no-semantic",) if no_semantic and takes_flag else ())]
        print(f"\n## {script} {' '.join(argv)}".rstrip(), flush=True)
        if subprocess.run(
            [sys.executable, str(HERE / script), *argv], cwd=HERE.parents[1]
        ).returncode:
            failed.append(f"{script} {' '.join(argv)}".strip())
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
