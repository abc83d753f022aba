"""tools.check_build flags what must never reach a Lambda artifact."""

from __future__ import annotations

from pathlib import Path

from tools.check_build import check

ELF_X86_64 = b"\x7fELF" + bytes(14) + (62).to_bytes(2, "little")
ELF_AARCH64 = b"\x7fELF" + bytes(14) + (183).to_bytes(2, "little")


def artifact(build: Path, name: str, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = build / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def compiled(build: Path, source: str, flags: int = 0b01) -> None:
    """A .pyc for `source` as compileall writes it (flags 0b01: unchecked hash)."""
    module = build / source
    pyc = module.parent / "__pycache__" / f"{module.stem}.cpython-313.pyc"
    pyc.parent.mkdir(parents=True, exist_ok=True)
    pyc.write_bytes(b"\xf3\r\r\n" + flags.to_bytes(4, "little") + bytes(8))


def test_a_clean_arm64_build_passes(tmp_path: Path) -> None:
    artifact(tmp_path, "HealthFunction", {"handler.py": b"handler = None\n"})
    artifact(tmp_path, "DependenciesLayer", {"python/pydantic_core/_core.so": ELF_AARCH64})
    artifact(tmp_path, "SharedLayer", {"python/shared/__init__.py": b""})
    compiled(tmp_path, "SharedLayer/python/shared/__init__.py")
    assert check(tmp_path) == []


def test_layer_modules_without_unchecked_bytecode_fail(tmp_path: Path) -> None:
    artifact(
        tmp_path,
        "SharedLayer",
        {"python/shared/a.py": b"", "python/shared/b.py": b"", "python/shared/c.py": b""},
    )
    compiled(tmp_path, "SharedLayer/python/shared/a.py")
    compiled(tmp_path, "SharedLayer/python/shared/b.py", flags=0)  # timestamp-checked
    assert check(tmp_path) == [
        "SharedLayer: 2 module(s) without bytecode, e.g. SharedLayer/python/shared/b.py"
    ]


def test_foreign_architecture_runtime_and_dev_packages_fail(tmp_path: Path) -> None:
    artifact(tmp_path, "HealthFunction", {"handler.py": b"", "tests/test_x.py": b""})
    artifact(
        tmp_path,
        "DependenciesLayer",
        {"python/psycopg_binary/pq.so": ELF_X86_64, "python/botocore/__init__.py": b""},
    )
    compiled(tmp_path, "DependenciesLayer/python/botocore/__init__.py")
    assert check(tmp_path) == [
        "DependenciesLayer/python/psycopg_binary/pq.so is not aarch64 (ELF machine 62)",
        "DependenciesLayer ships botocore",
        "HealthFunction ships tests",
    ]
