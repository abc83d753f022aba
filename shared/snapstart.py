"""Lambda SnapStart (the stack's EnableSnapStart parameter): what must change after a restore.

With SnapStart, Lambda runs a published version's init once, snapshots the memory, and starts
every later execution environment from that snapshot. Whatever init created is then shared by
every environment restored from it, and may be stale:

- `random`'s state: every environment would draw the same "random" numbers (retry jitter).
  It is re-seeded from the OS. (`secrets`, `uuid4` and token generation read the OS directly.)
- connections: a socket opened before the snapshot points at a connection the server has long
  dropped, or shares one with a sibling environment. Each module that keeps connections (the
  database slot, the boto3 clients) registers its own reset with `after_restore`.

Init opens no connection today (both are made on first use), so the resets are a guarantee, not
a repair. The hooks run through the runtime's `snapshot_restore_py`; without it (outside
Lambda) registering is a no-op and `restore()` runs them directly, as the tests do.
"""

from __future__ import annotations

import random
from collections.abc import Callable

_hooks: list[Callable[[], None]] = []


def after_restore(hook: Callable[[], None]) -> Callable[[], None]:
    """Run `hook` after each restore from a snapshot; usable as a decorator."""
    _hooks.append(hook)
    return hook


def restore() -> None:
    """Everything SnapStart needs after a restore: fresh randomness, then each registered hook."""
    random.seed()
    for hook in _hooks:
        hook()


def _install() -> None:
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-untyped]
    except ImportError:  # not a SnapStart-capable Lambda runtime
        return
    register_after_restore(restore)


_install()
