"""The vendor mappings, loaded and validated at start (reloaded when the files change)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from services.signal_ingest.domain.mapping_config import VendorMapping, load_mapping
from services.signal_ingest.domain.vendor_mapping import MappedItem, map_churnzero, map_gainsight
from shared.logs import get_logger

log = get_logger(__name__)


class _Reloading:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime = path.stat().st_mtime
        self.mapping: VendorMapping = load_mapping(path)

    def current(self) -> VendorMapping:
        try:
            mtime = self._path.stat().st_mtime
            if mtime != self._mtime:
                self._mtime = mtime
                self.mapping = load_mapping(self._path)
                log.info("mapping_reloaded", path=str(self._path))
        except Exception as exc:  # a bad edit keeps the last good mapping serving
            log.error("mapping_reload_failed", path=str(self._path), error=str(exc)[:300])
        return self.mapping


class VendorMappings:
    def __init__(self, churnzero_path: Path, gainsight_path: Path) -> None:
        self._churnzero = _Reloading(churnzero_path)
        self._gainsight = _Reloading(gainsight_path)

    def churnzero(self, payload: Any, received_at: datetime) -> list[MappedItem]:
        return map_churnzero(payload, self._churnzero.current(), received_at)

    def gainsight(self, payload: Any, received_at: datetime) -> list[MappedItem]:
        return map_gainsight(payload, self._gainsight.current(), received_at)
