"""No traceback ever reaches the screen: unexpected errors are logged and the kiosk starts over.

Two doors errors come through: Kivy's event loop (callbacks, touch handlers, kv rules) via the
ExceptionManager, and asyncio tasks (forwarded intents, the flows' coroutines) via the loop's
exception handler. Both end in `recover(error)`.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from typing import Any

from kivy.base import ExceptionHandler, ExceptionManager
from kivy.logger import Logger

# The banner the start screen shows after an unexpected error, in both languages at once,
# because the error may have happened before the tourist picked one.
UNEXPECTED_ERROR = {
    "code": "unexpected_error",
    "zh": "抱歉，刚才出了点问题。请重新开始，您的订单和付款都是安全的。",
    "en": "Sorry, something went wrong. Please start again; your order and payment are safe.",
}


def log_error(error: BaseException, where: str) -> None:
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    Logger.error(f"Kiosk: unexpected {type(error).__name__} in {where}\n{details}")


class RecoveringExceptionHandler(ExceptionHandler):
    """Log, recover, and tell Kivy to carry on (PASS) instead of stopping the app."""

    def __init__(self, recover: Callable[[BaseException], None]) -> None:
        super().__init__()
        self.recover = recover

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, KeyboardInterrupt | SystemExit):
            return ExceptionManager.RAISE
        log_error(inst, "the UI loop")
        try:
            self.recover(inst)
        except Exception as again:  # recovering must not itself take the app down
            log_error(again, "recovery")
        return ExceptionManager.PASS


def install(recover: Callable[[BaseException], None]) -> RecoveringExceptionHandler:
    handler = RecoveringExceptionHandler(recover)
    ExceptionManager.add_handler(handler)

    def on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if error is None:
            Logger.error(f"Kiosk: asyncio: {context.get('message')}")
            return
        handler.handle_exception(error)

    asyncio.get_event_loop().set_exception_handler(on_loop_error)
    return handler
