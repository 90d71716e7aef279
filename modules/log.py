"""Module ``log``: write a message to the minion's log at a given level."""

from __future__ import annotations

import logging
from typing import Any

from saline.loader import Context, Module

mod = Module("log", doc="Log messages from templates and the command line.")

_log = logging.getLogger("saline.modules.log")


def _emit(level: int, message: Any, args: tuple[Any, ...]) -> bool:
    text = str(message)
    if args:
        try:
            text = text % args
        except (TypeError, ValueError):
            text = " ".join([text, *map(str, args)])
    _log.log(level, text)
    return True


@mod.query
def debug(ctx: Context, message: Any, *args: Any) -> bool:
    """Log ``message`` at DEBUG level (``%s`` placeholders take the extra arguments); return True.

    CLI Example: ``saline-call --local log.debug 'checking %s' nginx``
    """
    return _emit(logging.DEBUG, message, args)


@mod.query
def info(ctx: Context, message: Any, *args: Any) -> bool:
    """Log ``message`` at INFO level; return True.

    CLI Example: ``saline-call --local log.info 'deploying'``
    """
    return _emit(logging.INFO, message, args)


@mod.query
def warning(ctx: Context, message: Any, *args: Any) -> bool:
    """Log ``message`` at WARNING level; return True.

    CLI Example: ``saline-call --local log.warning 'disk almost full'``
    """
    return _emit(logging.WARNING, message, args)


@mod.query
def error(ctx: Context, message: Any, *args: Any) -> bool:
    """Log ``message`` at ERROR level; return True.

    CLI Example: ``saline-call --local log.error 'failed to reach %s' db1``
    """
    return _emit(logging.ERROR, message, args)


@mod.query
def critical(ctx: Context, message: Any, *args: Any) -> bool:
    """Log ``message`` at CRITICAL level; return True.

    CLI Example: ``saline-call --local log.critical 'giving up'``
    """
    return _emit(logging.CRITICAL, message, args)


@mod.query
def exception(ctx: Context, message: Any, *args: Any) -> bool:
    """Log ``message`` at ERROR level, with the current exception's traceback if there is one.

    CLI Example: ``saline-call --local log.exception 'unexpected state'``
    """
    text = str(message) % args if args else str(message)
    _log.error(text, exc_info=True)
    return True
