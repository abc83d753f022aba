"""Calling a function's real Lambda handler, imported on its first invocation."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from shared import db
from tools.devstack.template import REPO, Function

Handler = Callable[[dict[str, Any], Any], Any]

# The function an invocation belongs to. Powertools keeps the Lambda context keys on the one
# logger every function shares, which Lambda never runs concurrently but this stack does: each
# log line takes its function's name from here instead (FastAPI's threads inherit the value).
_current_function: ContextVar[str | None] = ContextVar("current_function", default=None)


class _FunctionOfTheInvocation(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        name = _current_function.get()
        if name is not None:
            record.function_name = name  # a record attribute outranks the logger's keys
        return True


def _label_log_lines() -> None:
    from shared.observability import logger

    handler = logger.registered_handler
    if not any(isinstance(f, _FunctionOfTheInvocation) for f in handler.filters):
        handler.addFilter(_FunctionOfTheInvocation())


def _own_environment() -> None:
    """Runs once on a function's thread. Mangum runs the app on the thread's current event loop,
    which only the main thread has; the database connection slot set here stays in the thread's
    context for every later invocation, and FastAPI's worker threads inherit it."""
    asyncio.set_event_loop(asyncio.new_event_loop())
    db.current_slot.set(db.ConnectionSlot())


class Invoker:
    """One execution environment per function, as in Lambda with a concurrency of one: a
    function's invocations run one at a time on its own thread, so a long worker batch never
    holds up the API. Each function also gets its own database connection slot
    (`db.current_slot`), so two functions never share a transaction."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._environments: dict[str, ThreadPoolExecutor] = {}
        self._loaded: dict[str, Handler] = {}
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        _label_log_lines()

    def _environment(self, fn: Function) -> ThreadPoolExecutor:
        with self._lock:
            if fn.logical_id not in self._environments:
                self._environments[fn.logical_id] = ThreadPoolExecutor(
                    1, fn.logical_id, initializer=_own_environment
                )
            return self._environments[fn.logical_id]

    def _call(self, fn: Function, event: dict[str, Any], context: Any) -> Any:
        handler = self._loaded.get(fn.logical_id)  # only this function's thread writes its entry
        if handler is None:
            handler = getattr(importlib.import_module(fn.module), fn.attribute)
            self._loaded[fn.logical_id] = handler
        _current_function.set(fn.logical_id)
        return handler(event, context)

    def handler_for(self, fn: Function) -> Handler:
        def call(event: dict[str, Any], context: Any) -> Any:
            return self._environment(fn).submit(self._call, fn, event, context).result()

        return call

    def shutdown(self) -> None:
        with self._lock:
            for environment in self._environments.values():
                environment.shutdown(wait=False, cancel_futures=True)
