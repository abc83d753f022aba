"""`python -m bench` runs every benchmark (or those named: `python -m bench health tasks`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    available = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    chosen = sys.argv[1:] or available
    unknown = set(chosen) - set(available)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {available}")
    for name in chosen:
        importlib.import_module(f"bench.bench_{name}").main()


if __name__ == "__main__":
    main()
