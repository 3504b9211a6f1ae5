#!/usr/bin/env python3
"""Generate a benchmark corpus from the shared documents (not committed).

    scripts/make_corpus.py --out /tmp/corpus1000 --count 1000
    scripts/make_corpus.py --out /tmp/corpus1000 --change 10   # edit 10 documents in place

Text documents are mutated: years shifted, entity place names swapped, every
decimal figure scaled (keeping its printed precision). PDFs are byte copies
with a distinct comment appended after %%EOF, so each has its own sha256 and
stays a valid PDF. About 2% of the documents are deliberately broken
(truncated PDF, empty file, an image) so that error handling is exercised.
Deterministic for a given --seed.
"""

import argparse
import os
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "corpus"
EXTENSIONS = {".pdf", ".txt", ".html", ".htm", ".docx", ".xlsx", ".xls"}
PLACES = ["攀枝花市", "普陀区", "上海市"]
OTHER_PLACES = ["绵阳市", "宜宾市", "乐山市", "静安区", "长宁区", "徐汇区", "杭州市", "南京市", "成都市", "黄浦区"]
FIGURE = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)\.(\d{1,2})(?![\d.])")
YEAR = re.compile(r"(?<!\d)(20[0-3]\d)(?!\d)")
PNG_HEADER = b"\x89PNG\r\n\x1a\n" + bytes(64)


def mutate_text(text: str, rng: random.Random) -> str:
    shift = rng.randint(-4, 3)
    text = YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)
    for place in PLACES:
        if place in text:
            text = text.replace(place, rng.choice(OTHER_PLACES))
    factor = rng.uniform(0.7, 1.4)

    def scale(m: re.Match) -> str:
        whole = m.group(1).replace(",", "")
        decimals = len(m.group(2))
        value = float(f"{whole}.{m.group(2)}") * factor
        return f"{value:.{decimals}f}"

    return FIGURE.sub(scale, text)


def copy_pdf(data: bytes, tag: str) -> bytes:
    return data + f"\n%caizheng-copy {tag}\n".encode()


def make_document(src: Path, data: bytes, index: int, rng: random.Random) -> bytes:
    if index % 50 == 17:
        broken = index // 50 % 3
        if broken == 0:
            return data[: len(data) // 2 + index]
        if broken == 1:
            return b""
        return PNG_HEADER + index.to_bytes(4, "big")
    if src.suffix == ".pdf":
        return copy_pdf(data, f"{index:05d}")
    if src.suffix == ".txt":
        return mutate_text(data.decode("utf-8"), rng).encode("utf-8")
    return data + f"\n<!-- caizheng-copy {index:05d} -->\n".encode()


def generate(source: Path, out: Path, count: int, seed: int) -> None:
    sources = sorted(p for p in source.iterdir() if p.suffix.lower() in EXTENSIONS and p.is_file())
    if not sources:
        sys.exit(f"no documents in {source}")
    out.mkdir(parents=True, exist_ok=True)
    contents = {p: p.read_bytes() for p in sources}
    rng = random.Random(seed)
    for i in range(count):
        src = sources[i % len(sources)]
        name = f"{i:05d}-{src.name}"
        (out / name).write_bytes(make_document(src, contents[src], i, rng))
    print(f"wrote {count} documents from {len(sources)} originals to {out}")


def change(out: Path, n: int, seed: int) -> None:
    files = sorted(p for p in out.iterdir() if p.is_file() and p.stat().st_size > 0)
    step = max(1, len(files) // n)
    rng = random.Random(seed)
    # Spread over the sources: consecutive files cycle through the originals.
    changed = [files[(i * step + i) % len(files)] for i in range(min(n, len(files)))]
    for path in changed:
        data = path.read_bytes()
        tag = f"change-{rng.randrange(1 << 30)}"
        if data.startswith(b"%PDF"):
            path.write_bytes(copy_pdf(data, tag))
        else:
            path.write_bytes(data + f"\n{tag}\n".encode())
    print(f"changed {len(changed)} documents in {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--change", type=int, metavar="N", help="edit N existing documents of --out instead")
    args = parser.parse_args()
    if args.out.resolve().is_relative_to(REPO):
        sys.exit("write the corpus outside the repository (e.g. /tmp/corpus1000)")
    if args.change:
        change(args.out, args.change, args.seed + os.getpid())
    else:
        generate(args.source, args.out, args.count, args.seed)


if __name__ == "__main__":
    main()
