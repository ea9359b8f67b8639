"""The footer of keys, rebuilt only when the keys it shows change."""

from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[str, str, str, bool, str, bool], ...]


class KeysFooter(Footer):
    """Textual's Footer, without rebuilding the same keys again.

    Footer rebuilds its keys on every bindings update of its screen (the first focus, each
    later one, a worker's refresh) and restyles each key as it does: ~0.1-0.2 s a time under
    load, three times over the same keys while `tracker tui` starts (profiled), which the first
    key pressed waits behind. Here a rebuild is asked for only when what the footer would show
    (key, action, label, enabled, tooltip) differs from what it shows.
    """

    def __init__(self, *, compact: bool = False, show_command_palette: bool = True) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._shown: Shown | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild as Footer does, unless the keys are those already shown."""
        shown = self._shown_on(screen)
        if shown == self._shown:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # the rebuild is scheduled: these are the keys it will show

    @staticmethod
    def _shown_on(screen: Screen[object]) -> Shown:
        """Every active binding, not only the shown ones: the command palette's key is shown
        whatever its `show`."""
        return tuple((binding.key, binding.action, binding.description, enabled, tooltip,
                      binding.show)
                     for _, binding, enabled, tooltip in screen.active_bindings.values())
