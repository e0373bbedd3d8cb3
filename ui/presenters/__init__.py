"""One presenter per flow: a flow's state -> a Scene, a tap -> `flow.act(...)`.

`base.FlowPresenter` is what every presenter shares; `registry.PRESENTERS` says which presenter
draws which journey; `kiosk_flow_view.KioskFlowView` binds a flow (run by
`kiosk.flows.home.JourneyLoop`) and its presenter to the screens. `ui.wiring` builds them from
the kiosk's ports and attaches them to the navigator whenever the loop opens a flow.
"""
