"""The flows' observer hook (`Ports.observers`) that the benchmark rig times journeys with:
every flow on the ports reports run, publish, wait and accepted acts, in order; an observer
that raises does not stop the journey."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from kiosk.config import KioskConfig
from kiosk.flows.base import Flow, FlowEvent, Msg, Outcome, Ports


class AskFlow(Flow):
    """One screen, one tap: the smallest journey."""

    name = "ask"

    async def journey(self) -> Outcome:
        self.publish("ask", Msg("ask"), actions=("ok", "cancel"))
        await self.wait("ok")
        self.publish("done")
        return Outcome(self.name, "done", told=list(self.told))


def ports(*observers: Any) -> Ports:
    return Ports(
        client=None,  # type: ignore[arg-type]  # the flow never calls the backend
        journal=None,  # type: ignore[arg-type]
        config=KioskConfig(),
        devices=None,
        observers=list(observers),
    )


async def play(flow: Flow, *taps: str) -> Outcome:
    """Run the flow; tap each of `taps` once it waits on its first screen."""
    task = asyncio.create_task(flow.run())
    while flow.state.screen != "ask":
        await asyncio.sleep(0)
    refused = flow.act("nope")  # not offered: no event
    assert refused is False
    for tap in taps:
        assert flow.act(tap)
    return await asyncio.wait_for(task, 5)


def test_observers_see_each_step_of_every_flow_on_the_ports() -> None:
    events: list[FlowEvent] = []
    shared = ports(events.append)
    first = asyncio.run(play(AskFlow(shared), "ok"))
    second = asyncio.run(play(AskFlow(shared), "cancel"))
    assert (first.result, second.result) == ("done", "cancelled")
    kinds = [(e.kind, e.detail) for e in events]
    assert kinds == [
        ("run_start", "ask"),
        ("publish", "ask"),
        ("wait_start", "ok"),
        ("act", "ok"),
        ("wait_end", "ok"),
        ("publish", "done"),
        ("run_end", "done"),
        # the second flow on the same ports: cancel ends the wait without a wait_end
        ("run_start", "ask"),
        ("publish", "ask"),
        ("wait_start", "ok"),
        ("act", "cancel"),
        ("publish", "home"),
        ("run_end", "cancelled"),
    ]
    assert {e.flow for e in events} == {"ask"}
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_an_observer_that_raises_is_logged_and_the_journey_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    def broken(event: FlowEvent) -> None:
        raise RuntimeError("observer bug")

    with caplog.at_level(logging.ERROR, logger="kiosk.flows"):
        outcome = asyncio.run(play(AskFlow(ports(broken, lambda e: seen.append(e.kind))), "ok"))
    assert outcome.result == "done"
    assert seen[0] == "run_start" and seen[-1] == "run_end"  # the next observer still hears
    assert "observer failed" in caplog.text


def test_a_flow_without_observers_runs_the_same() -> None:
    assert asyncio.run(play(AskFlow(ports()), "ok")).result == "done"
