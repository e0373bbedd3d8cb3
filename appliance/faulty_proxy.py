"""A TCP proxy on 127.0.0.1 that fails on command: it delays, drops (accepts, then never
answers) and cuts (resets) connections, also in the middle of an exchange. Put it between the
kiosk and its backend to see what a failing network does to a purchase, a payment and a print
(tests/flows/test_network_faults.py); a demo can do the same:

    proxy = FaultyProxy(("127.0.0.1", 8700)).start()   # then backend_url = proxy.url
    proxy.delay(2.0)           # every chunk, both ways, held 2 s before it goes on
    proxy.drop()               # nothing passes; connections stay open and are never answered
    proxy.cut()                # every open connection reset now, each new one reset at once
    proxy.cut_answer(b"POST /api/v1/orders ")  # the next such request reaches the backend,
                                               # its answer never the kiosk (reset instead)
    proxy.heal()               # everything passes again (dropped connections stay dead)
    proxy.stop()

It runs its own asyncio loop in a thread, so a busy (or blocked) kiosk does not slow it and the
commands are safe from any thread. `events` records what it did (accepted, reset, matched, ...),
without the bytes: they may carry personal data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import threading
from dataclasses import dataclass, field

log = logging.getLogger("appliance.faulty_proxy")

PASS, DROP, CUT = "pass", "drop", "cut"
CHUNK = 65536


@dataclass
class _Rule:
    """Reset the connection that carries a request matching `pattern`, when its answer comes."""

    pattern: bytes
    times: int
    then: str = PASS  # the mode after the cut: "drop" keeps the backend away afterwards


@dataclass
class _Link:
    """One kiosk connection and its twin to the backend."""

    number: int
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    dead: bool = False  # dropped: nothing passes on it any more, in either direction
    cut_on_answer: _Rule | None = None
    tail: bytes = b""  # the last bytes from the kiosk, to match a pattern across chunks
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class FaultyProxy:
    def __init__(self, target: tuple[str, int], host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = target
        self.host = host
        self.port = port
        self.mode = PASS
        self.delay_seconds = 0.0
        self.events: list[str] = []
        self._rules: list[_Rule] = []
        self._links: dict[int, _Link] = {}
        self._count = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- start and stop --------------------------------------------------------------------
    def start(self) -> FaultyProxy:
        self._thread = threading.Thread(target=self._run, name="faulty-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._accept, self.host, self.port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links.values()):
            self._reset(link)

    # --- commands (any thread) -------------------------------------------------------------
    def heal(self) -> None:
        """Let everything pass again, at once; connections dropped before stay dead."""
        with self._lock:
            self.mode, self.delay_seconds = PASS, 0.0
            self._rules.clear()
        self._note("heal")

    def delay(self, seconds: float) -> None:
        """Hold every chunk, both ways, `seconds` before it goes on (a slow network)."""
        with self._lock:
            self.delay_seconds = seconds
        self._note(f"delay {seconds}")

    def drop(self) -> None:
        """Nothing passes any more: open connections stall, new ones are accepted and never
        answered (the kiosk's read times out)."""
        with self._lock:
            self.mode = DROP
        self._note("drop")

    def cut(self) -> None:
        """Reset every open connection now, and each new one as soon as it is accepted."""
        with self._lock:
            self.mode = CUT
        self._call(self._reset_all)
        self._note("cut")

    def cut_answer(self, pattern: bytes, times: int = 1, then: str = PASS) -> None:
        """The next `times` requests containing `pattern` reach the backend; the connection is
        reset when the answer comes, so the kiosk never sees it. `then="drop"`: the proxy
        drops everything from that moment (the backend did the work, then went away)."""
        with self._lock:
            self._rules.append(_Rule(pattern, times, then))
        self._note(f"cut_answer {pattern!r} x{times} then {then}")

    def count(self, word: str) -> int:
        """How many events start with `word` (e.g. "matched", "reset", "accepted")."""
        return sum(1 for e in list(self.events) if e.startswith(word))

    # --- the proxy loop --------------------------------------------------------------------
    def _note(self, event: str) -> None:
        self.events.append(event)
        log.debug("proxy: %s", event)

    def _call(self, func: object) -> None:
        loop = self._loop
        if loop is None:
            return
        if threading.current_thread() is self._thread:
            func()  # type: ignore[operator]
            return
        done = threading.Event()

        def run() -> None:
            try:
                func()  # type: ignore[operator]
            finally:
                done.set()

        loop.call_soon_threadsafe(run)
        done.wait(5)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self._count += 1
            link = _Link(self._count, writer)
            mode = self.mode
        self._links[link.number] = link
        self._note(f"accepted {link.number} ({mode})")
        try:
            if mode == CUT:
                self._reset(link)
                return
            if mode == DROP:
                link.dead = True
                await self._swallow(reader)
                return
            try:
                up_reader, link.upstream = await asyncio.open_connection(*self.target)
            except OSError:
                self._note(f"backend refused {link.number}")
                self._reset(link)
                return
            link.tasks = [
                asyncio.ensure_future(self._pump_to_backend(link, reader)),
                asyncio.ensure_future(self._pump_to_kiosk(link, up_reader)),
            ]
            await asyncio.gather(*link.tasks, return_exceptions=True)
        finally:
            self._links.pop(link.number, None)
            self._close(link)

    async def _swallow(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(Exception):
            while await reader.read(CHUNK):
                pass

    async def _hold(self, link: _Link) -> bool:
        """Before a chunk goes on: the delay, and whether it may go (False: dropped)."""
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.mode == DROP:
            if not link.dead:
                self._note(f"dropped {link.number}")
            link.dead = True
        if self.mode == CUT:
            self._reset(link)
            return False
        return not link.dead

    async def _pump_to_backend(self, link: _Link, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                chunk = await reader.read(CHUNK)
            except (ConnectionError, OSError):
                break
            if not chunk:
                break
            self._match(link, chunk)
            if not await self._hold(link):
                continue
            assert link.upstream is not None
            try:
                link.upstream.write(chunk)
                await link.upstream.drain()
            except (ConnectionError, OSError):
                break
        if link.upstream is not None and not link.dead:
            with contextlib.suppress(Exception):
                link.upstream.write_eof()

    def _match(self, link: _Link, chunk: bytes) -> None:
        seen = link.tail + chunk
        link.tail = seen[-512:]
        with self._lock:
            for rule in self._rules:
                if rule.times > 0 and rule.pattern in seen:
                    rule.times -= 1
                    link.cut_on_answer = rule
                    self._note(f"matched {link.number} {rule.pattern!r}")
                    break
            self._rules = [r for r in self._rules if r.times > 0]

    async def _pump_to_kiosk(self, link: _Link, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                chunk = await reader.read(CHUNK)
            except (ConnectionError, OSError):
                break
            if not chunk:
                break
            rule = link.cut_on_answer
            if rule is not None:  # the backend answered; the kiosk never hears it
                if rule.then == DROP:
                    with self._lock:
                        self.mode = DROP
                    self._note("drop (after a cut answer)")
                self._reset(link)
                break
            if not await self._hold(link):
                continue
            try:
                link.client.write(chunk)
                await link.client.drain()
            except (ConnectionError, OSError):
                break
        if not link.dead:
            self._close(link)

    def _reset_all(self) -> None:
        for link in list(self._links.values()):
            self._reset(link)

    def _reset(self, link: _Link) -> None:
        """RST the kiosk's side (SO_LINGER 0, then abort) and close the backend's."""
        sock = link.client.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        link.client.transport.abort()
        link.dead = True
        self._note(f"reset {link.number}")
        if link.upstream is not None:
            link.upstream.transport.abort()
        for task in link.tasks:
            task.cancel()

    def _close(self, link: _Link) -> None:
        for writer in (link.client, link.upstream):
            if writer is not None and not writer.transport.is_closing():
                writer.close()
