"""Benchmark: the Redactor (fragments of 8+ characters, base64 and URL-encoded forms) against
plain whole-value replacement, on a text of --megabytes with --secrets secrets in it.

    .venv/bin/python benchmarks/redaction.py             # 1 MB, 20 secrets
    .venv/bin/python benchmarks/redaction.py --quick     # 0.1 MB, 20 secrets
"""

from __future__ import annotations

import argparse
import base64
import random
import string
import time

from golive.envfile import Redactor


def sample(megabytes: float, count: int) -> tuple[dict[str, str], str]:
    """`count` random secrets, and text of about `megabytes` with pieces of them in it."""
    rng = random.Random(1)
    alphabet = string.ascii_letters + string.digits + "-_"
    values = {f"KEY_{i}_SECRET": "".join(rng.choices(alphabet, k=64)) for i in range(count)}
    chunk = int(megabytes * 1_000_000) // count
    parts = []
    for i, value in enumerate(values.values()):
        noise = "".join(rng.choices(string.printable, k=chunk))
        parts.append(f"{noise} {value[i : i + 16]} {base64.b64encode(value.encode()).decode()}\n")
    return values, "".join(parts)


def whole_values(values: dict[str, str], text: str) -> str:
    for key, value in values.items():
        text = text.replace(value, f"<{key}>")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--secrets", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="0.1 MB")
    args = parser.parse_args()
    values, text = sample(0.1 if args.quick else args.megabytes, args.secrets)
    started = time.perf_counter()
    redact = Redactor(values)
    out = redact(text)
    fragments = time.perf_counter() - started
    started = time.perf_counter()
    whole_values(values, text)
    whole = time.perf_counter() - started
    print(f"text        {len(text) / 1e6:.2f} MB, {len(values)} secrets of 64 characters")
    found = out.count("<KEY_")
    print(f"redactor    {fragments:.3f} s  fragments of 8+, base64, URL-encoded: {found} found")
    print(f"str.replace {whole:.3f} s  whole values only")
    print(f"ratio redactor/replace: {fragments / max(whole, 1e-6):.1f}x")


if __name__ == "__main__":
    main()
