"""Device settings as transport URLs, and the registry that picks an opener by the URL's scheme.

A device setting is either a URL (`tcp://HOST:PORT`, `socket://HOST:PORT`, `emu://HOST:PORT`,
`http://…/stream.mjpg`) or a bare value with no scheme (`BARE`): a device path or pty
(`/dev/ttyUSB0`), a file or folder, a camera index (`0`), a PC/SC reader name. Each device
package keeps one `Registry` and registers one opener per scheme it speaks; its
`open_<device>(url)` looks the scheme up there instead of branching on the string. A scheme no
opener speaks is an `UnknownTransport`: a DeviceError with a stable code and zh + en messages,
which the kiosk shows as the device's status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from peripherals.status import DeviceError

BARE = ""  # the scheme of a value without "scheme://": a path, an index, a reader name

T = TypeVar("T")
Opener = Callable[..., T]


def scheme_of(url: str) -> str:
    """`tcp://10.0.0.5:9100` -> "tcp"; `/dev/ttyUSB0`, `0`, `Virtual PCD 00 00` -> BARE."""
    head, separator, _ = url.strip().partition("://")
    return head.lower() if separator else BARE


class UnknownTransport(DeviceError):
    """A device setting whose scheme no opener of that device speaks."""

    def __init__(self, device: str, label_zh: str, url: str, known: tuple[str, ...]) -> None:
        spoken = ", ".join(f"{scheme}://" if scheme else "a path" for scheme in known)
        super().__init__(
            "unknown_transport",
            f"no {device} driver speaks {url!r} (it takes {spoken})",
            f"不支持的{label_zh}地址：{url}",
        )
        self.device = device
        self.url = url


class Registry(Generic[T]):
    """Scheme -> opener for one device. `open(url, **options)` calls `opener(url, **options)`."""

    def __init__(self, device: str, label_zh: str) -> None:
        self.device = device
        self.label_zh = label_zh
        self._openers: dict[str, Opener[T]] = {}

    def register(self, opener: Opener[T], *schemes: str) -> Opener[T]:
        """Make `opener` the one for each of `schemes` (BARE for values with no scheme)."""
        for scheme in schemes:
            self._openers[scheme.lower()] = opener
        return opener

    @property
    def schemes(self) -> tuple[str, ...]:
        return tuple(self._openers)

    def opener(self, url: str) -> Opener[T]:
        """The opener for `url`'s scheme; UnknownTransport when none is registered."""
        found = self._openers.get(scheme_of(url))
        if found is None:
            raise UnknownTransport(self.device, self.label_zh, url, self.schemes)
        return found

    def open(self, url: str, **options: Any) -> T:
        return self.opener(url)(url, **options)
