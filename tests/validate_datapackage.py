#!/usr/bin/env python3
"""Validate caizheng's datapackage.json with the Frictionless validator.

From the repository root:

    pip install frictionless==5.21.0
    python3 tests/validate_datapackage.py

Checks (1) the sample export that `cargo test --release --test it export_tables::` writes
(hand-built reports with facts, findings and errors) and (2) the output of a
real `caizheng run` on the bundled corpus plus ../shared/corpus when present.
Ends with an "N passed, N failed" line; exits non-zero on any failure.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from frictionless import validate

REPO = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
SHARED = REPO.parent / "shared" / "corpus"


def check(name: str, package: Path) -> bool:
    report = validate(str(package))
    if report.valid:
        tasks = ", ".join(f"{t.name} ({t.stats.get('rows', '?')} rows)" for t in report.tasks)
        print(f"ok   {name}: {tasks}")
        return True
    print(f"FAIL {name}: {package}")
    for task in report.tasks:
        for error in task.errors[:20]:
            print(f"     {task.name}: {error.message}")
    for error in report.errors[:20]:
        print(f"     {error.message}")
    return False


def main() -> int:
    results = []
    # The release profile, as .ci/run's `cargo test --release`: no second build.
    subprocess.run(["cargo", "test", "--release", "--quiet", "--test", "it", "export_tables::"], cwd=REPO, check=True)
    results.append(check("sample export", TARGET / "tmp" / "export-sample" / "datapackage.json"))

    with tempfile.TemporaryDirectory() as out:
        inputs = ["corpus"]
        if SHARED.is_dir():
            inputs.append(str(SHARED))
        else:
            print(f"note: {SHARED} absent, validating the bundled corpus only")
        run = subprocess.run(["cargo", "run", "--release", "--quiet", "--", "run", "--quiet", "--out", out, *inputs], cwd=REPO)
        # Exit 1: some documents could not be read; the package describes the rest.
        if run.returncode not in (0, 1):
            raise SystemExit(f"caizheng run exited {run.returncode}")
        results.append(check("caizheng run " + " ".join(inputs), Path(out) / "datapackage.json"))

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
