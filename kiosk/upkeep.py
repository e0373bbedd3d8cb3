"""What runs beside the journeys: the heartbeat to the backend and the catalog poll (ETag)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kiosk.client import BackendError
from kiosk.flows.base import Ports

log = logging.getLogger("kiosk.upkeep")

VERSION = "0.1.0"


def heartbeat_body(ports: Ports) -> dict[str, Any]:
    statuses = ports.devices.statuses() if ports.devices else {}
    printer = statuses.get("printer")
    if printer is None or printer.state == "missing":
        paper = "unknown"
    elif printer.code in ("paper_out", "paper_near_end"):
        paper = "out" if printer.code == "paper_out" else "near_end"
    else:
        paper = "ok" if printer.healthy else "unknown"
    catalog = ports.client.cached_catalog
    return {
        "devices": {name: st.as_dict() for name, st in statuses.items()},
        "paper_level": paper,
        "version": VERSION,
        "catalog_version": int(catalog.version) if catalog and catalog.version.isdigit() else None,
    }


async def send_heartbeat(ports: Ports) -> bool:
    body = await asyncio.to_thread(heartbeat_body, ports)
    try:
        await ports.client.heartbeat(body)
    except BackendError as exc:
        log.warning("heartbeat failed: %s", exc.code)
        return False
    return True


async def heartbeat_loop(ports: Ports) -> None:
    while True:
        await send_heartbeat(ports)
        await ports.clock.sleep(ports.config.timeouts.heartbeat_seconds)


async def catalog_loop(ports: Ports) -> None:
    """Keep the cached catalog fresh (If-None-Match; a 304 costs nothing)."""
    while True:
        try:
            _, changed = await ports.client.poll_catalog()
            if changed:
                log.info("catalog now version %s", ports.client.cached_catalog.version)
        except BackendError as exc:
            log.warning("catalog poll failed: %s", exc.code)
        await ports.clock.sleep(ports.config.timeouts.catalog_poll_seconds)
