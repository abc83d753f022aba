"""Checks `sam build` output (.aws-sam/build) and prints each artifact's size.

Fails when a native library is not aarch64 (Lambda runs arm64), when an artifact ships what the
runtime provides or what only development needs, when a layer's module has no bytecode compiled
for the runtime (unchecked-hash: /opt is read-only, so a missing or stale .pyc would be compiled
again on every cold start, about twice the import time), or when a function with its layers
exceeds Lambda's 250 MB unzipped limit. Run after `sam build`: `python -m tools.check_build`.
"""

from __future__ import annotations

import sys
from pathlib import Path

BUILD = Path(__file__).resolve().parents[1] / ".aws-sam" / "build"
ELF_MACHINE_AARCH64 = 183
RUNTIME_CACHE_TAG = "cpython-313"  # template.yaml: Runtime python3.13
PYC_UNCHECKED_HASH = 0b01  # the flags word of a .pyc header: hash-based, never checked
UNZIPPED_LIMIT = 250 * 1024 * 1024
# Provided by the Lambda runtime, or development-only: never shipped.
FORBIDDEN_TOP_LEVEL = frozenset(
    {"boto3", "botocore", "s3transfer"}
    | {"pytest", "_pytest", "moto", "mypy", "ruff", "cfnlint", "tests", "tools", "bench"}
)


def _elf_machine(path: Path) -> int | None:
    with path.open("rb") as handle:
        header = handle.read(20)
    if header[:4] != b"\x7fELF":
        return None
    return int.from_bytes(header[18:20], "little")


def _without_bytecode(layer: Path) -> list[Path]:
    """Modules of `layer` without an unchecked-hash .pyc for the runtime's interpreter."""
    missing = []
    for module in sorted(layer.rglob("*.py")):
        compiled = module.parent / "__pycache__" / f"{module.stem}.{RUNTIME_CACHE_TAG}.pyc"
        header = compiled.read_bytes()[:8] if compiled.is_file() else b""
        if len(header) < 8 or int.from_bytes(header[4:8], "little") != PYC_UNCHECKED_HASH:
            missing.append(module)
    return missing


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def check(build: Path = BUILD) -> list[str]:
    problems: list[str] = []
    for library in sorted(build.rglob("*.so*")):
        machine = _elf_machine(library)
        if machine is not None and machine != ELF_MACHINE_AARCH64:
            problems.append(f"{library.relative_to(build)} is not aarch64 (ELF machine {machine})")
    artifacts = sorted(p for p in build.iterdir() if p.is_dir())
    for artifact in artifacts:
        root = artifact / "python" if (artifact / "python").is_dir() else artifact
        shipped = {p.name for p in root.iterdir()} & FORBIDDEN_TOP_LEVEL
        problems += [f"{artifact.name} ships {name}" for name in sorted(shipped)]
    for layer in (p for p in artifacts if p.name.endswith("Layer")):
        missing = _without_bytecode(layer)
        if missing:
            first = missing[0].relative_to(build)
            problems.append(
                f"{layer.name}: {len(missing)} module(s) without bytecode, e.g. {first}"
            )
    # Every function gets every layer (template Globals).
    layers = sum(_size(p) for p in artifacts if p.name.endswith("Layer"))
    for artifact in (p for p in artifacts if p.name.endswith("Function")):
        if _size(artifact) + layers > UNZIPPED_LIMIT:
            problems.append(f"{artifact.name} with its layers exceeds 250 MB unzipped")
    return problems


def main() -> int:
    if not BUILD.is_dir():
        print(f"{BUILD} is missing: run `sam build` first", file=sys.stderr)
        return 2
    for artifact in sorted(p for p in BUILD.iterdir() if p.is_dir()):
        print(f"{artifact.name:<28} {_size(artifact) / 1024:>10.1f} KiB unzipped")
    problems = check()
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
