"""What cleaning an upload costs: time and peak memory of the sandboxed child, per kind of file.

Each file is built with the test suite's hostile-media builders (every metadata slot filled), then
cleaned through the real path (`sanitise`: a child process held to 256 MiB) in a fresh interpreter,
so the child's peak memory is its own. Times are medians of several runs and are also given as a
multiple of one receipt Argon2id derivation measured in the same run (the unit of a submission).

    python bench/attachments.py            # 5 runs each
    python bench/attachments.py --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path, and bench/queue.py would shadow the
# standard library's queue module.
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

from reporter import crypto
from reporter.settings import Settings
from tests import media

CLEAN_ONCE = """
import resource, sys, time
from reporter.attachments import sanitize
data = sys.stdin.buffer.read()
started = time.perf_counter()
try:
    outcome = sanitize.sanitise(data).kind
except sanitize.AttachmentRejected as rejected:
    outcome = rejected.reason
elapsed = time.perf_counter() - started
print(outcome, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

FILES: dict[str, Callable[[], bytes]] = {
    "JPEG photo, 12 MP (4000x3000)": lambda: media.big_jpeg(4000, 3000),
    "JPEG photo, 48 MP (8000x6000)": lambda: media.big_jpeg(8000, 6000),
    "PNG, 6000x6000 RGB": lambda: media.png_bomb(6000, 6000),
    "PNG bomb, 7000x7000 RGB (190 KB)": lambda: media.png_bomb(7000, 7000),
    "WebP, 4096x3072": lambda: media.big_webp(4096, 3072),
    "PDF, 10 pages, hostile": lambda: media.hostile_pdf(10),
    "MP3, 3 minutes, every tag": lambda: media.hostile_mp3(180.0),
    "M4A, 3 minutes, with location": lambda: media.hostile_m4a(180.0),
}


def _argon2_seconds() -> float:
    cost = Settings().receipt_cost
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        crypto.derive_receipt_keys("1234567812345678", b"\x00" * 16, b"pepper", cost)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _clean(data: bytes) -> tuple[str, float, int]:
    done = subprocess.run(
        [sys.executable, "-c", CLEAN_ONCE],
        input=data,
        capture_output=True,
        check=True,
        cwd=ROOT,
        timeout=600,
    )
    outcome, seconds, peak_kib = done.stdout.decode().split()
    return outcome, float(seconds), int(peak_kib) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    unit = _argon2_seconds()
    print(f"receipt Argon2id (t=2, 64 MiB): {unit * 1000:.0f} ms\n")
    print("| file | size | outcome | time (median) | × Argon2id | child peak memory |")
    print("|---|---|---|---|---|---|")
    for name, make in FILES.items():
        data = make()
        results = [_clean(data) for _ in range(runs)]
        seconds = statistics.median(result[1] for result in results)
        peak = max(result[2] for result in results)
        print(
            f"| {name} | {len(data) / 1024:.0f} KB | {results[0][0]} | {seconds:.2f} s "
            f"| {seconds / unit:.1f} | {peak / 2**20:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
