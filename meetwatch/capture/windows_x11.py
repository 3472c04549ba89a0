"""X11 window discovery with python-xlib.

With a window manager, _NET_CLIENT_LIST names the real client windows (not the WM's frames),
including minimised ones. Without one (a bare Xvfb, some kiosk setups) there is no such
list, so the tree under the root is walked for mapped windows that carry a name.
"""

from __future__ import annotations

import os

from Xlib import X, Xatom, display, error
from Xlib.xobject.drawable import Window

from meetwatch.capture.display import ensure_screen_access
from meetwatch.capture.windows import WindowInfo, meeting_app_for
from meetwatch.errors import CaptureError

# A reparenting WM puts each client one or two levels below its frame; deeper is widgets.
_FALLBACK_DEPTH = 3


class X11Windows:
    def __init__(self) -> None:
        ensure_screen_access()
        name = os.environ.get("DISPLAY", "")
        try:
            self._display = display.Display()
        except (error.DisplayError, error.ConnectionClosedError, OSError) as e:
            raise CaptureError(f"Cannot connect to the X display {name!r}: {e}") from e
        self._root = self._display.screen().root
        atom = self._display.intern_atom
        self._client_list = atom("_NET_CLIENT_LIST")
        self._net_wm_name = atom("_NET_WM_NAME")
        self._utf8 = atom("UTF8_STRING")
        self._wm_state = atom("_NET_WM_STATE")
        self._hidden = atom("_NET_WM_STATE_HIDDEN")

    def list_windows(self) -> list[WindowInfo]:
        prop = self._root.get_full_property(self._client_list, Xatom.WINDOW)
        if prop is not None:
            candidates = [self._window(wid) for wid in prop.value]
        else:
            candidates = self._named_mapped(self._root, _FALLBACK_DEPTH)
        infos = (self._info(w) for w in candidates)
        return [i for i in infos if i is not None and i.title]

    def lookup(self, window_id: int) -> WindowInfo | None:
        return self._info(self._window(window_id))

    def close(self) -> None:
        self._display.close()

    def _window(self, window_id: int) -> Window:
        return self._display.create_resource_object("window", int(window_id))

    def _named_mapped(self, parent: Window, depth: int) -> list[Window]:
        found: list[Window] = []
        try:
            children = parent.query_tree().children
        except error.XError:
            return found
        for child in children:
            try:
                if child.get_attributes().map_state != X.IsViewable:
                    continue
                if self._title(child):
                    found.append(child)
                elif depth > 1:
                    found += self._named_mapped(child, depth - 1)
            except error.XError:  # the window went away while we looked at it
                continue
        return found

    def _info(self, win: Window) -> WindowInfo | None:
        """None when the window no longer exists (destroyed between listing and asking)."""
        try:
            title = self._title(win)
            geom = win.get_geometry()
            origin = self._root.translate_coords(win, 0, 0)
            viewable = win.get_attributes().map_state == X.IsViewable
            state = win.get_full_property(self._wm_state, Xatom.ATOM)
            wm_class = win.get_wm_class()
        except error.XError:
            return None
        hidden = state is not None and self._hidden in state.value
        return WindowInfo(
            id=int(win.id),
            title=title,
            app=wm_class[1] if wm_class else "",
            x=int(origin.x),
            y=int(origin.y),
            w=int(geom.width),
            h=int(geom.height),
            visible=viewable and not hidden,
            meeting_app=meeting_app_for(title),
        )

    def _title(self, win: Window) -> str:
        prop = win.get_full_property(self._net_wm_name, self._utf8)
        if prop is not None and prop.value:
            value = prop.value
        else:
            legacy = win.get_full_property(Xatom.WM_NAME, X.AnyPropertyType)
            if legacy is None:
                return ""
            value = legacy.value
            if isinstance(value, bytes) and legacy.property_type == Xatom.STRING:
                return value.decode("latin-1")  # ICCCM: STRING is ISO 8859-1
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        return str(value)
