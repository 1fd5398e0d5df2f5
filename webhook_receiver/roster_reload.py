"""The roster as the running receiver sees it: reloaded when its files change, without a restart.

Why: people edit overrides while the receiver runs; ``burnwise oncall who`` reads the file at
once, so the receiver must too, or it pages the old primary. A watcher thread compares the files'
content hash every ``roster_reload_seconds`` (and at once on SIGHUP). A roster that fails
validation is refused with an ERROR line and a metric, and the last good one stays in use. Every
page carries the version (content hash) it was routed with (``custom_details.roster_version``).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Directory, Responders, RunbookLink, files_version

log = logging.getLogger("burnwise.receiver.roster")


class ReloadingDirectory(Directory):
    """A :class:`Directory` whose answers come from the last good load of the roster files."""

    def __init__(self, current: Directory, roster_path: Path | None, runbooks_path: Path | None) -> None:
        super().__init__(current.roster, current.catalog, current.version)
        self._current = current
        self._paths = (roster_path, runbooks_path)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._refused_version: str | None = None
        self._thread: threading.Thread | None = None
        #: called with the reason after a refused reload (the app counts it as a metric)
        self.on_refused: Callable[[str], None] = lambda _reason: None
        self.on_loaded: Callable[[], None] = lambda: None

    # --- the Directory the receiver reads ------------------------------------------------------
    @property
    def current(self) -> Directory:
        return self._current

    @property
    def roster(self):  # noqa: ANN201 - same type as Directory.roster
        return self._current.roster

    @property
    def catalog(self):  # noqa: ANN201
        return self._current.catalog

    def surfaces(self) -> list[str]:
        return self._current.surfaces()

    def surface_for(self, labels) -> str | None:  # noqa: ANN001
        return self._current.surface_for(labels)

    def responders(self, surface: str, at: datetime) -> Responders | None:
        return self._current.responders(surface, at)

    def runbooks_for(self, labels) -> list[RunbookLink]:  # noqa: ANN001
        return self._current.runbooks_for(labels)

    # --- reloading -----------------------------------------------------------------------------
    def reload_if_changed(self) -> bool:
        """Load the files again when their content hash changed; True when a new roster is in use."""
        with self._lock:
            try:
                version = files_version(*self._paths)
            except OSError as exc:
                return self._refuse(f"cannot read the roster files ({exc})")
            if version == self._current.version:
                return False
            try:
                loaded = Directory.load(*self._paths)
            except BurnwiseError as exc:
                return self._refuse(f"roster version {version} refused, keeping {self._current.version}: {exc}")
            previous = self._current.version
            self._current = loaded
            self.version = loaded.version
            log.info("roster reloaded: version %s (was %s)", loaded.version, previous)
            self.on_loaded()
            return True

    def _refuse(self, reason: str) -> bool:
        first = " ".join(reason.split())[:500]
        log.error("roster reload refused: %s", first)
        self.on_refused(first)
        # remember the refused content so the same bad file is reported once, not every poll
        try:
            bad = files_version(*self._paths)
        except OSError:
            bad = None
        self._refused_version = bad
        return False

    def start(self, interval_seconds: float) -> None:
        """Poll every ``interval_seconds`` and on SIGHUP (when the process lets us install it)."""
        self._thread = threading.Thread(target=self._run, args=(interval_seconds,), name="burnwise-roster", daemon=True)
        self._thread.start()
        try:
            signal.signal(signal.SIGHUP, lambda _sig, _frame: self._wake.set())
        except (ValueError, AttributeError):  # not the main thread, or no SIGHUP on this platform
            log.info("SIGHUP reload not available here; polling the roster every %.1f s", interval_seconds)

    def _run(self, interval_seconds: float) -> None:
        while not self._stop.is_set():
            self._wake.wait(interval_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                if files_version(*self._paths) == self._refused_version:
                    continue
            except OSError:
                pass
            try:
                self.reload_if_changed()
            except Exception:  # noqa: BLE001 - the watcher must outlive any surprise; say so loudly
                log.exception("roster reload failed")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
