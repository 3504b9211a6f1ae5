#!/usr/bin/env python3
"""Score caizheng's facts against hand-written truth files (a development aid).

Every truth file names its document (`doc`, relative to the shared corpus or
to the repository's corpus/). The score is the one the integration tests
assert (tests/common/mod.rs): recall pairs each truth fact with a distinct
fact of the same key, value, label and code; precision counts, among the
facts whose key the truth covers, those alike some truth fact.

    scripts/score_truth.py [--source narrative|table] [--show] [TRUTH.json …]

With no truth file: every file under ../shared/corpus/truth/ and tests/truth/.
Kept-aside files (`"kept_aside": true`) are scored only with --aside.
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
BIN = ROOT / "target" / "release" / "caizheng"


def compact(s):
    return "".join(ch for ch in s if not ch.isspace()) if s is not None else None


def same(fact, truth):
    return (
        fact["key"] == truth["key"]
        and fact["value"] == truth["value"]
        and (truth.get("label") is None or compact(fact.get("label")) == compact(truth["label"]))
        and (truth.get("code") is None or fact.get("code") == truth["code"])
    )


def score(report, truth, source):
    tf = [t for t in truth["facts"] if t["source"] == source]
    facts = [f for f in report["facts"] if f["source"] == source]
    used = [False] * len(facts)
    misses = []
    for t in tf:
        for i, f in enumerate(facts):
            if not used[i] and same(f, t):
                used[i] = True
                break
        else:
            misses.append(t)
    keys = {t["key"] for t in tf}
    covered = [f for f in facts if f["key"] in keys]
    extras = [f for f in covered if not any(same(f, t) for t in tf)]
    return len(tf), len(tf) - len(misses), covered, extras, misses


def document_path(truth):
    for base in (SHARED, ROOT / "corpus"):
        p = base / truth["doc"]
        if p.exists():
            return p
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth", nargs="*")
    ap.add_argument("--source", default=None, help="narrative or table (default: the truth's scope)")
    ap.add_argument("--show", action="store_true", help="list misses and wrong facts")
    ap.add_argument("--aside", action="store_true", help="score the kept-aside files too")
    ap.add_argument("--bin", default=str(BIN))
    args = ap.parse_args()
    files = [pathlib.Path(t) for t in args.truth]
    if not files:
        files = sorted((SHARED / "truth").glob("*.json")) + sorted((ROOT / "tests" / "truth").rglob("*.json"))
    totals = {}
    for tf in files:
        truth = json.loads(tf.read_text())
        if truth.get("kept_aside") and not args.aside and not args.truth:
            continue
        doc = document_path(truth)
        if doc is None:
            print(f"{tf}: document {truth['doc']} not found", file=sys.stderr)
            continue
        out = subprocess.run([args.bin, "extract", "--format", "json", str(doc)], capture_output=True, text=True)
        report = json.loads(out.stdout)
        scope = truth.get("scope", "")
        sources = [args.source] if args.source else (
            ["table"] if scope.startswith("tables") else ["narrative"] if scope.startswith("narrative") else ["narrative", "table"])
        d = report["document"]
        meta = []
        for k in ("kind", "fiscal_year", "entity", "amount_unit"):
            want = truth.get("document", {}).get(k)
            if want is not None and d.get(k) != want:
                meta.append(f"{k}: {d.get(k)!r} != {want!r}")
        for source in sources:
            n, hit, cov, extras, misses = score(report, truth, source)
            if n == 0:
                continue
            rec = hit / n
            prec = (len(cov) - len(extras)) / len(cov) if cov else 1.0
            tag = " (kept aside)" if truth.get("kept_aside") else ""
            print(f"{truth['doc']} [{source}]{tag}: recall {hit}/{n} = {rec:.3f}, precision {len(cov)-len(extras)}/{len(cov)} = {prec:.3f}")
            group = (source, bool(truth.get("kept_aside")))
            t = totals.setdefault(group, [0, 0, 0, 0])
            t[0] += n
            t[1] += hit
            t[2] += len(cov)
            t[3] += len(extras)
            if args.show:
                for m in meta:
                    print(f"  meta:    {m}")
                for m in misses:
                    print(f"  missing: {m['key']} = {m['value']} {m.get('label')!r} | {m['quote']}")
                for e in extras:
                    print(f"  wrong:   {e['key']} = {e['value']} {e.get('label')!r} [{e['pattern']}] | {e['text']}")
    for (source, aside), (n, hit, cov, wrong) in sorted(totals.items()):
        print(f"ALL {source}{' kept aside' if aside else ''}: recall {hit}/{n} = {hit/n:.3f}, precision {cov-wrong}/{cov} = {(cov-wrong)/cov if cov else 1:.3f}")


if __name__ == "__main__":
    main()
