"""Textual's footer, rebuilt only when the keys it shows change.

Textual's :class:`~textual.widgets.Footer` removes and mounts all its keys
whenever the screen's bindings may have changed: at every focus change and
every ``refresh_bindings()``. With the preview's ten keys that cost 130 ms
to 400 ms a time (styles applied to each new key), which made ``/`` and
``escape`` in the filter the slowest keys of the preview.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Input

#: One shown key: key, description, group, enabled, tooltip.
ShownKey = tuple[str, str, str | None, bool, str]


class KeyFooter(Footer):
    """A footer that keeps its keys until the keys to show differ.

    While a text field has the focus, the footer is hidden (its row kept, so
    nothing moves) and not rebuilt: the field takes the printable keys, so
    the footer's letters would type instead of acting. When the focus comes
    back, the footer is shown again, rebuilt only if its keys changed.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        #: The keys the composed footer shows (None: not composed yet).
        self.shown: tuple[ShownKey, ...] | None = None

    def shown_keys(self) -> tuple[ShownKey, ...]:
        """The keys the screen's bindings would have the footer show now."""
        return tuple(
            (
                key,
                binding.description,
                binding.group.description if binding.group else None,
                enabled,
                tooltip,
            )
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        """Textual's keys, remembering which they are."""
        if self._bindings_ready:
            self.shown = self.shown_keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild if the keys to show differ; hide while a text field is typed in."""
        # A text field focused, or a screen whose keys go to its filter (the preview's ``/``).
        typing = isinstance(screen.focused, Input) or getattr(screen, "typing", False)
        # An inline style, not a class: a class re-applies the stylesheet to every key.
        self.styles.visibility = "hidden" if typing else "visible"
        if typing or (self.shown is not None and self.shown_keys() == self.shown):
            return
        super().bindings_changed(screen)
