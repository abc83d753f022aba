"""`python -m tools.devstack [--port 3000] [--keep-db] [--trigger SCHEDULE]...`"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tools.devstack.stack import STATE_FILE, configure_logging, run
from tools.devstack.template import TEMPLATE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.devstack", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 3000),
        help="HTTP port (default: $PORT, else 3000)",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="leave the project-local PostgreSQL running on exit"
    )
    parser.add_argument(
        "--trigger",
        action="append",
        default=[],
        metavar="SCHEDULE",
        help="also fire this schedule at startup (repeatable)",
    )
    parser.add_argument(
        "--no-web", action="store_true", help="serve the API only (no dashboard build or files)"
    )
    parser.add_argument("--moto-port", type=int, default=None, help="moto port (default 4566)")
    parser.add_argument("--state-file", type=Path, default=STATE_FILE, help=argparse.SUPPRESS)
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="SAM template to run")
    args = parser.parse_args(argv)
    configure_logging()
    return run(
        port=args.port,
        keep_db=args.keep_db,
        triggers=tuple(args.trigger),
        moto_port=args.moto_port,
        state_file=args.state_file,
        template_path=args.template,
        web=not args.no_web,
    )


if __name__ == "__main__":
    sys.exit(main())
