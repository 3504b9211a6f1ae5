#!/usr/bin/env python3
"""Read caizheng's Parquet parts with readers that share no code with it.

    pip install pyarrow duckdb
    python3 tests/check_parquet.py --bin target/quick/caizheng [--out DIR] [INPUT ...]

Runs `caizheng run` on the inputs (default: the bundled corpus, plus
../shared/corpus when present) unless --out names an existing output,
then, for every table: pyarrow reads the folder of Parquet parts, DuckDB
reads them by glob, and both must give exactly the rows of the CSV parts
(every cell, as text: amounts are decimal strings in both) and the count of
the SQLite table. Ends with "N tables ok" or the differences; exits
non-zero on any.
"""

import argparse
import csv
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "corpus"
TABLES = ["documents", "facts", "findings"]


def csv_rows(out, table):
    csv.field_size_limit(1 << 30)
    rows = []
    header = None
    for path in sorted((out / "csv" / table).glob("*.csv"), key=lambda p: (p.stem == "across", p.stem)):
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows.extend(reader)
    return header, rows


def text(value):
    """A Parquet value as the CSV writes it."""
    return "" if value is None else str(value)


def check(out):
    problems = []
    db = sqlite3.connect(out / "caizheng.sqlite")
    for table in TABLES:
        header, expected = csv_rows(out, table)
        key = lambda row: tuple(row)
        expected = sorted(expected, key=key)
        arrow = pq.read_table(out / "parquet" / table)
        if arrow.column_names != header:
            problems.append(f"{table}: pyarrow columns {arrow.column_names} != CSV header {header}")
            continue
        columns = [arrow.column(name).to_pylist() for name in header]
        got = sorted(([text(c[i]) for c in columns] for i in range(arrow.num_rows)), key=key)
        if got != expected:
            diff = next((g, e) for g, e in zip(got + [None], expected + [None]) if g != e)
            problems.append(f"{table}: pyarrow rows differ from the CSV parts ({len(got)} vs {len(expected)}): {diff}")
        glob = str(out / "parquet" / table / "*.parquet")
        duck = duckdb.sql(f"SELECT * FROM read_parquet('{glob}')").fetchall()
        duck = sorted(([text(v) for v in row] for row in duck), key=key)
        if duck != expected:
            problems.append(f"{table}: DuckDB rows differ from the CSV parts ({len(duck)} vs {len(expected)})")
        in_db = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        if in_db != len(expected):
            problems.append(f"{table}: {in_db} rows in SQLite, {len(expected)} in the parts")
        types = {f.name: str(f.type) for f in arrow.schema}
        print(f"ok   {table}: {arrow.num_rows} rows in {len(list((out / 'parquet' / table).glob('*.parquet')))} parts;"
              f" pyarrow and DuckDB agree with the CSV parts cell for cell"
              + (f"; value_wan is {types['value_wan']}" if "value_wan" in types else ""))
    return problems


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=str(REPO / "target" / "quick" / "caizheng"))
    p.add_argument("--out")
    p.add_argument("inputs", nargs="*")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(args.out) if args.out else Path(scratch) / "out"
        if not (out / "datapackage.json").exists():
            inputs = args.inputs or ["corpus"] + ([str(SHARED)] if SHARED.is_dir() else [])
            run = subprocess.run([args.bin, "-q", "run", "--no-site", "--out", str(out), *inputs], cwd=REPO)
            if run.returncode not in (0, 1):
                raise SystemExit(f"caizheng run exited {run.returncode}")
        problems = check(out)
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{len(TABLES) - len({p.split(':')[0] for p in problems})} of {len(TABLES)} tables ok")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
