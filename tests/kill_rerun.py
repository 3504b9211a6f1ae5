#!/usr/bin/env python3
"""Kill `caizheng run` at random moments of re-runs over a real-sized corpus.

    tests/kill_rerun.py --bin target/quick/caizheng --corpus /tmp/corpus1000 --out /tmp/kill-out

The corpus comes from `scripts/make_corpus.py` (it edits documents in place
with --change). Each round edits 10 documents, starts a re-run and kills it:
odd rounds at a random moment of the whole re-run, even rounds at a random
moment of its export phase (after the run logs "pruned"). After each kill the
published dataset must be valid: `PRAGMA quick_check` is ok and every table
of caizheng.sqlite has as many rows as its CSV parts (and its Parquet parts,
when pyarrow is installed). Then a run completes, and at the end its exports
must equal a fresh run's (the bytes of every part and of datapackage.json,
the database's rows). `cargo test --test it durability::` does the same on a small corpus, with
the comparison after every round.
"""

import argparse
import csv
import filecmp
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TABLES = {"documents": "document_id", "facts": "document_id, fact_no", "findings": "document_id, finding_no"}


def run(args, out, debug=False):
    env = {"RUST_LOG": "caizheng=debug"} if debug else {}
    import os
    return subprocess.Popen(
        [args.bin, "run", args.corpus, "--out", str(out), "--jobs", "2", "--quiet"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if debug else subprocess.DEVNULL,
        env={**os.environ, **env},
    )


def watch(proc):
    """An event set when the run logs the start of its export."""
    exporting = threading.Event()
    def read():
        for line in proc.stderr:
            if b"pruned" in line:
                exporting.set()
    threading.Thread(target=read, daemon=True).start()
    return exporting


def published(out, fmt, table):
    """The part files of a table the database names (its `parts` table)."""
    with sqlite3.connect(f"file:{out / 'caizheng.sqlite'}?mode=ro", uri=True) as db:
        stems = [f"{part}-{key[:16]}" for part, key in db.execute("SELECT part, key FROM parts ORDER BY part")]
    return [out / fmt / table / f"{stem}.{fmt}" for stem in stems]


def csv_rows(out, table):
    """Rows of a table in its CSV parts (each starts with a header line)."""
    csv.field_size_limit(1 << 30)
    total = 0
    for path in published(out, "csv", table):
        with open(path, newline="", encoding="utf-8-sig") as f:
            total += sum(1 for _ in csv.reader(f)) - 1
    return total


def parquet_rows(out, table):
    """Rows of a table in its Parquet parts, or None without pyarrow."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    return sum(pq.ParquetFile(p).metadata.num_rows for p in published(out, "parquet", table))


def exported_files(out):
    """Every part and the datapackage, by path relative to `out`."""
    files = [out / "datapackage.json"]
    for fmt in ["csv", "jsonl", "parquet"]:
        files += sorted((out / fmt).glob("*/*." + fmt))
    return [f.relative_to(out) for f in files]


def problems(out):
    """What is wrong with the published dataset (empty: valid)."""
    found = []
    try:
        conn = sqlite3.connect(f"file:{out / 'caizheng.sqlite'}?mode=ro", uri=True, timeout=30)
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            found.append(f"quick_check: {check.splitlines()[0]} …")
        for table in TABLES:
            in_db = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            in_csv = csv_rows(out, table)
            if in_db != in_csv:
                found.append(f"{table}: {in_db} rows in the database, {in_csv} in the CSV parts")
            in_parquet = parquet_rows(out, table)
            if in_parquet is not None and in_db != in_parquet:
                found.append(f"{table}: {in_db} rows in the database, {in_parquet} in the Parquet parts")
        conn.close()
    except sqlite3.DatabaseError as e:
        found.append(f"database: {e}")
    return found


def rows(out):
    conn = sqlite3.connect(out / "caizheng.sqlite")
    result = {t: conn.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()}
    conn.close()
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--kills", type=int, default=30)
    p.add_argument("--seed", type=int, default=21)
    args = p.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    rng = random.Random(args.seed)

    def change(round_no):
        subprocess.run([sys.executable, str(REPO / "scripts/make_corpus.py"), "--out", args.corpus,
                        "--change", "10", "--seed", str(1000 + round_no)], check=True,
                       stdout=subprocess.DEVNULL)

    run(args, out).wait()
    rerun = export = 0.0
    for i in range(2):
        change(-1 - i)
        started = time.monotonic()
        proc = run(args, out, debug=True)
        exporting = watch(proc)
        exporting.wait(600)
        export_started = time.monotonic()
        proc.wait()
        rerun = max(rerun, time.monotonic() - started)
        export = max(export, time.monotonic() - export_started)
    print(f"re-run {rerun:.2f} s, of which export {export:.2f} s")
    broken = 0
    for round_no in range(1, args.kills + 1):
        change(round_no)
        proc = run(args, out, debug=True)
        exporting = watch(proc)
        if round_no % 2:
            at = rng.random() * rerun * 1.1
            time.sleep(at)
            when = f"{at:.3f} s after the start"
        else:
            exporting.wait(600)
            at = rng.random() * export * 1.1
            time.sleep(at)
            when = f"{at:.3f} s into the export"
        proc.kill()
        proc.wait()
        found = problems(out)
        if found:
            broken += 1
        print(f"round {round_no:2}: killed {when}: {'; '.join(found) or 'valid'}", flush=True)
        run(args, out).wait()
        found = problems(out)
        if found:
            print(f"round {round_no:2}: after the next run: {'; '.join(found)}")
            broken += 1
    fresh = out.with_name(out.name + "-fresh")
    shutil.rmtree(fresh, ignore_errors=True)
    run(args, fresh).wait()
    names = exported_files(out)
    same = names == exported_files(fresh) and all(
        filecmp.cmp(out / n, fresh / n, shallow=False) for n in names)
    same = same and rows(out) == rows(fresh)
    print(f"{args.kills} kills: {broken} left a broken dataset; the last run "
          f"{'equals' if same else 'DIFFERS FROM'} a fresh run")
    shutil.rmtree(fresh, ignore_errors=True)
    sys.exit(0 if broken == 0 and same else 1)


if __name__ == "__main__":
    main()
