"""The Kivy App: sizes, font, language, the navigator, and the hooks the flows layer uses.

The App holds no rule. What it offers the outside (the flows layer, `kiosk demo`):
    KioskApp(config, journeys={"purchase": factory, ...})
        factory() -> FlowView (see ui.seam); started when the tourist taps that journey
    app.remaining_today = 1234             the start screen's capacity line (None hides it)
    app.bind(on_staff_request=...)         the hidden corner was held for 5 s
    app.navigator.bind(on_idle_reset=...)  the idle countdown ran out; clear everything
    app.show_banner(zh, en)                a message on the start screen
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.logger import Logger
from kivy.metrics import Metrics
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.floatlayout import FloatLayout

from kiosk.config import KioskConfig
from ui import errors, widgets
from ui.fonts import register_default_font
from ui.i18n import tr
from ui.navigator import START, Navigator

UI_DIR = Path(__file__).resolve().parent
ASSETS = UI_DIR.parent / "assets"
TOUCH_TARGET_MM = 15.0
# journey names the start screen's buttons open
JOURNEYS = ("purchase", "pickup", "addons", "membership", "change_refund")


def touch_target_px(dpi: float, width: int, height: int) -> int:
    """The smallest touch target: 15 mm at the screen's dpi, and never under 11% of the short
    side (120 px at 1080 wide), since a kiosk panel's reported dpi is often wrong."""
    from_mm = TOUCH_TARGET_MM / 25.4 * dpi
    return round(max(from_mm, 0.111 * min(width, height)))


class KioskRoot(FloatLayout):
    """The window's one child: the screens, then the overlays. Every touch resets idle first."""

    def on_touch_down(self, touch: Any) -> bool:
        app = App.get_running_app()
        if app is not None and app.access is not None:
            app.access.touched()  # stops speech (read aloud's own tap starts it again)
        if app is not None and app.navigator is not None:
            was_asking = app.navigator.still_there_showing
            app.navigator.touched()
            if was_asking:
                return True  # the touch answered "still there?"; it presses nothing else
        return super().on_touch_down(touch)


class KioskApp(App):
    title = "Kiosk"
    # one design unit: the short side / 1080, so sizes scale with the panel
    u = NumericProperty(1.0)
    touch = NumericProperty(120)
    landscape = BooleanProperty(False)
    area_name = StringProperty("")
    remaining_today = ObjectProperty(None, allownone=True)
    # {"zh": ..., "en": ...} shown on the start screen, or {} for none
    banner = DictProperty({})
    lang = StringProperty("")
    navigator = ObjectProperty(None, allownone=True)
    # the frame's accessibility controls (ui/widgets/access.py); both reset after each tourist
    large_text = BooleanProperty(False)
    speech_on = BooleanProperty(False)

    __events__ = ("on_staff_request", "on_journey_unavailable")

    def __init__(
        self,
        config: KioskConfig,
        journeys: dict[str, Callable[[], Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.kiosk_config = config
        self.journeys: dict[str, Callable[[], Any]] = dict(journeys or {})
        self.data_dir = Path(config.data_dir).resolve()
        self.tr = tr
        self.driver_script: Callable[[Any], Any] | None = None
        self.font_path = ""
        self.errors_seen = 0
        self.driver_task: asyncio.Future[Any] | None = None
        # set by ui.wiring: the start screen's buttons go to the home flow
        self.journey_starter: Callable[[str], None] | None = None
        self.demo_panel = False
        # () -> the camera's newest frame (numpy) or None; the payment prompt previews it
        self.preview_source: Callable[[], Any] | None = None
        self.speech: Any = None  # kiosk.speech.Speech, opened in build()
        self.access: Any = None  # ui.accessibility.AccessMode, made in build()

    # building --------------------------------------------------------------------------------
    def build(self) -> KioskRoot:
        cache = self.data_dir / "cache"
        self.font_path = register_default_font(self.kiosk_config.font_path, cache / "fonts")
        tr.setup(cache / "locale", self.kiosk_config.language)
        tr.on_switch(self._language_switched)
        self.lang = tr.lang
        self._language_switched(tr.lang)
        self._measure()
        Window.bind(size=lambda *_: self._measure())
        Window.clearcolor = (0.965, 0.957, 0.937, 1)
        widgets.load()
        root = KioskRoot()
        self.navigator = Navigator()
        timeouts = self.kiosk_config.timeouts
        self.navigator.idle_seconds = timeouts.idle_seconds
        self.navigator.still_there_seconds = timeouts.still_there_seconds
        root.add_widget(self.navigator.manager)
        from ui.widgets.overlays import StillThereOverlay

        root.add_widget(StillThereOverlay())
        if self.demo_panel:
            from ui.widgets.demo_panel import DemoPanel

            root.add_widget(DemoPanel())
        errors.install(self.recover)
        from ui.accessibility import AccessMode

        self.access = AccessMode(self)
        self.navigator.show(START)
        return root

    def _measure(self) -> None:
        width, height = Window.size
        self.u = min(width, height) / 1080.0
        self.touch = touch_target_px(Metrics.dpi, width, height)
        self.landscape = width > height

    def _language_switched(self, lang: str) -> None:
        self.lang = lang
        config = self.kiosk_config
        self.area_name = tr.pick(config.area_name_zh, config.area_name_en)
        self.title = self.area_name

    def on_start(self) -> None:
        Logger.info(
            f"Kiosk: window {Window.size} dpi {Metrics.dpi:.0f} touch target {self.touch}px"
        )
        if self.driver_script is not None:
            from ui.driver import Driver

            self.driver_task = asyncio.ensure_future(self.driver_script(Driver(self)))

    # what the screens call -------------------------------------------------------------------
    def switch_language(self, lang: str) -> None:
        if lang != tr.lang:
            tr.switch(lang)

    def toggle_large_text(self) -> None:
        self.access.set_large_text(not self.large_text)

    def read_aloud(self) -> None:
        self.access.read_aloud()

    def start_journey(self, name: str) -> None:
        if self.journey_starter is not None:
            self.journey_starter(name)
            return
        factory = self.journeys.get(name)
        if factory is None:
            Logger.warning(f"Kiosk: journey {name!r} is not wired on this kiosk")
            self.dispatch("on_journey_unavailable", name)
            self.navigator.show(
                "message",
                {
                    "kind": "info",
                    "title": tr._("This service is not available here yet"),
                    "body": tr._("Please ask the staff at the ticket window."),
                },
            )
            return
        view = factory()
        if getattr(view, "on_error", "missing") is None:
            view.on_error = self.recover
        self.navigator.attach_flow(view)

    def show_banner(self, zh: str, en: str, seconds: float = 12.0) -> None:
        self.banner = {"zh": zh, "en": en}
        Clock.schedule_once(lambda _dt: self.clear_banner(), seconds)

    def clear_banner(self) -> None:
        self.banner = {}

    def recover(self, error: BaseException | None = None) -> None:
        """After an unexpected error: drop the journey, back to start, a polite message."""
        self.errors_seen += 1
        navigator = self.navigator
        if navigator is not None:
            try:
                navigator.detach_flow()
            except Exception as again:
                errors.log_error(again, "ending the journey")
                navigator.flow_view = None
            navigator.show(START)
        self.show_banner(errors.UNEXPECTED_ERROR["zh"], errors.UNEXPECTED_ERROR["en"])

    # events ----------------------------------------------------------------------------------
    def on_staff_request(self) -> None:
        Logger.info("Kiosk: staff corner held")

    def on_journey_unavailable(self, name: str) -> None:
        pass
