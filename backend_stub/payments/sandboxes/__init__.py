"""Our own sandboxes of the payment providers (like the device emulators): real HTTP servers
speaking each provider's wire format. Imported only by the appliance and tests
(`[tool.kiosk.layers]`); the backend reaches them only through a payments config naming their
URL and keys, exactly as it reaches the real providers.

    sandboxes = start_sandboxes(tmp_dir, ("wechat",), rules={"query_interval_seconds": 0.5})
    BackendProcess(db, payments=sandboxes.config_path)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend_stub.payments.sandboxes.alipay import AlipaySandbox
from backend_stub.payments.sandboxes.base import SandboxServer
from backend_stub.payments.sandboxes.wechat import WechatSandbox

KINDS: dict[str, type[SandboxServer]] = {"wechat": WechatSandbox, "alipay": AlipaySandbox}


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


@dataclass
class Sandboxes:
    servers: dict[str, Any]
    config_path: Path

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


def start_sandboxes(
    workdir: str | os.PathLike[str],
    kinds: tuple[str, ...] = ("wechat", "alipay"),
    *,
    rules: dict[str, Any] | None = None,
    qr_provider: str = "",
) -> Sandboxes:
    """Start the sandboxes named and write the payments config (TOML) that points the
    backend at them; `rules` override the providers' rule numbers (tests shorten them)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keys = workdir / "payment-keys"
    keys.mkdir(mode=0o700, exist_ok=True)
    servers: dict[str, Any] = {}
    lines = [f"qr_provider = {_toml_value(qr_provider or kinds[0])}"]
    for kind in kinds:
        server = KINDS[kind]().start()
        servers[kind] = server
        lines.append(f"[{kind}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in server.config(keys).items()]
        if rules:
            lines.append(f"[{kind}.rules]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in rules.items()]
    path = workdir / "payments.toml"
    path.write_text("\n".join(lines) + "\n")
    return Sandboxes(servers, path)
