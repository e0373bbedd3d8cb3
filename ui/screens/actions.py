"""The action buttons at the foot of a screen: params "actions", [{intent, label | label_zh /
label_en, label_args, test_id}], as BigButtons whose tap forwards the intent to the flow."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kivy.factory import Factory

from ui.screens.params import text_of
from ui.widgets.palette import Colour


def action_button(
    action: dict[str, Any], emit: Callable[[str], None], test_id: str = "", **style: Any
) -> Any:
    """One action as a BigButton; `test_id` defaults to the action's own, else action_<intent>."""
    intent = str(action["intent"])
    button = Factory.BigButton(
        text=text_of(action, "label"),
        intent=intent,
        test_id=test_id or str(action.get("test_id", f"action_{intent}")),
        **style,
    )
    button.bind(on_release=lambda b: emit(b.intent))
    return button


def fill_actions(
    box: Any,
    actions: Iterable[dict[str, Any]],
    emit: Callable[[str], None],
    primary: Colour | None = None,
    secondary_scale: float = 1.0,
) -> None:
    """Replace `box`'s buttons with one per action: the first is the main one (the app's green,
    or `primary`), the others outlined, their words scaled by `secondary_scale`."""
    box.clear_widgets()
    for index, action in enumerate(actions):
        button = action_button(action, emit)
        if index == 0:
            if primary is not None:
                button.bg = primary
        else:
            button.outline()
            button.font_scale = secondary_scale
        box.add_widget(button)
