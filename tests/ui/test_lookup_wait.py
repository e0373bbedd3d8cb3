"""The pickup screen while the kiosk waits out a refused lookup (run under
`flock /tmp/kiosk-ui.lock`): the real app over a real backend whose per-person lookup limit is
low (one lookup, then one every 20 s). The screen says to leave the card on the reader and draws
only what the flow takes then (cancel): no "type the order number" button that would do
nothing, no QR hint; in Chinese and English. Screenshots under
artifacts/ui/kiosk/portrait/NN_pickup_lookup_wait_<lang>.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_stub.process import BackendProcess
from kiosk.domain.errors import ERRORS
from tests.backend.clocked import offset_to
from tests.ui.conftest import BUSINESS_TIME

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_lookup_wait"


@pytest.fixture(scope="module")
def limited_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`kiosk_rig` with the backend's lookups per person at 1, then one every 20 s."""
    from appliance.demo import write_demo_config
    from appliance.emulators.bundle import EmulatorBundle
    from appliance.emulators.control import ControlServer

    folder = tmp_path_factory.mktemp("limited_rig")
    extra = ["--clock-offset-seconds", f"{offset_to(*BUSINESS_TIME):.3f}",
             "--limit", "lookup_per_person=1/20"]  # fmt: skip
    with BackendProcess(Path(folder / "backend.db"), extra_args=extra) as backend:
        bundle = EmulatorBundle.start(folder / "tickets", smartcard=False)
        control = ControlServer(bundle, 0).start()
        try:
            config = write_demo_config(folder, backend.url, bundle.device_settings())
            yield {"KIOSK_CONFIG": str(config), "KIOSK_CONTROL_URL": control.url,
                   "KIOSK_TICKETS": str(folder / "tickets")}  # fmt: skip
        finally:
            control.stop()
            bundle.stop()


def test_waiting_out_a_refused_lookup_draws_only_cancel(run_ui, limited_rig):
    result = run_ui("pickup_lookup_wait", env=limited_rig, module=MODULE, timeout=90)["result"]
    read = result["read"]
    # before: the screen takes a card, a QR code or the order number, and says so
    assert read["identify"]["buttons"]["alternative"]["shown"]
    assert read["identify"]["hint"]
    assert 1 <= read["wait"] <= 30  # a wait the kiosk waits out
    assert read["actions"] == ["cancel"]
    info = ERRORS["pickup_lookup_wait_card"]
    for lang, words in (("zh", info.zh), ("en", info.en)):
        shown = read[lang]
        assert words in shown["texts"], shown["texts"]
        assert shown["buttons"]["cancel"]["shown"] and shown["buttons"]["cancel"]["enabled"]
        # no button that does nothing, no hint at a QR code the screen does not take now
        drawn = shown["buttons"].get("alternative")  # None: not among the widgets drawn
        assert drawn is None or not (drawn["shown"] or drawn["enabled"] or drawn["text"]), drawn
        assert shown["hint"] == ""
        assert not any("订单号" in t or "order number" in t for t in shown["texts"])
