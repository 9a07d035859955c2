"""The catalog the service runs on: validated at start, reloadable without restart.

``current()`` picks up an edited file (mtime checked at most once a second,
as the vendor mappings do); ``reload()`` is the admin endpoint's forced
reload. A catalog that fails validation never replaces the one in service:
at start it stops the process with the validation message, later it is
logged (or answered with 422) and the last good catalog keeps serving.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from services.signal_ingest.domain import Catalog, CatalogError, load_catalog
from shared.logs import get_logger

log = get_logger(__name__)
CHECK_EVERY_S = 1.0


class CatalogStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime = self._stat()
        self.catalog: Catalog = load_catalog(path)  # CatalogError: refuse to start
        self._checked = time.monotonic()
        self.loaded_at = time.time()

    def _stat(self) -> float | None:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return None

    def current(self) -> Catalog:
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY_S:
            self._checked = now
            mtime = self._stat()
            if mtime is not None and mtime != self._mtime:
                self._mtime = mtime
                try:
                    self._install(load_catalog(self.path))
                except CatalogError as exc:  # a bad edit keeps the last good catalog
                    log.error("catalog_reload_failed", path=str(self.path), error=str(exc)[:500])
        return self.catalog

    def reload(self) -> Catalog:
        """Load the file now; raises ``CatalogError`` and keeps the old catalog."""
        mtime = self._stat()
        catalog = load_catalog(self.path)
        self._mtime = mtime
        self._install(catalog)
        return catalog

    def _install(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.loaded_at = time.time()
        log.info("catalog_loaded", path=str(self.path), version=catalog.version)

    def describe(self) -> dict[str, Any]:
        c = self.catalog
        return {
            "version": c.version,
            "path": str(self.path),
            "core_products": [p.id for p in c.core_products],
            "adjacent_products": [p.id for p in c.adjacent_products],
            "play_threshold": c.settings.play_threshold,
            "play_window_days": c.settings.play_window_days,
        }
