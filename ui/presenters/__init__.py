"""One presenter per journey: a flow's state -> a Scene, a tap -> `flow.act(...)`.

`ui.journeys.session.JourneySession` runs a flow with its presenter; `ui.wiring` builds them
from the kiosk's ports and starts them from the start screen or from a device event there.
"""
