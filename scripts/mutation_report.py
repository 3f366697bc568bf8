"""Kill rate per module of the last mutmut run (mutants/*.meta), and the surviving mutants.

Run by scripts/mutation.sh. A mutant is killed when the suite fails against it; a survivor is a
small bug in the code that guards people that no test noticed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 37}
TIMEOUT = {36, -24, 24, 152, 255}
TARGET = 0.90


def main() -> int:
    metas = sorted(Path("mutants").rglob("*.py.meta"))
    if not metas:
        print("no results: run `bash scripts/mutation.sh` first", file=sys.stderr)
        return 1
    print("| module | mutants | killed | timeout | survived | not run | kill rate |")
    print("|---|---|---|---|---|---|---|")
    survivors: list[str] = []
    below = []
    for meta in metas:
        module = str(meta.relative_to("mutants")).removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        counts = Counter(
            "killed"
            if code in KILLED
            else "timeout"
            if code in TIMEOUT
            else "survived"
            if code == 0
            else "not run"
            for code in codes.values()
        )
        ran = counts["killed"] + counts["timeout"] + counts["survived"]
        rate = (counts["killed"] + counts["timeout"]) / ran if ran else None
        print(
            f"| {module} | {len(codes)} | {counts['killed']} | {counts['timeout']} "
            f"| {counts['survived']} | {counts['not run']} "
            f"| {'—' if rate is None else f'{rate:.0%}'} |"
        )
        if rate is None or rate < TARGET or counts["not run"]:
            below.append(module)
        survivors.extend(name for name, code in codes.items() if code == 0)
    print(f"\nsurviving mutants ({len(survivors)}); see one with `mutmut show NAME`:")
    for name in survivors:
        print(f"  {name}")
    print(f"\nbelow {TARGET:.0%} or not finished: {', '.join(below) if below else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
