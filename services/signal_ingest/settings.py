"""signal_ingest settings (validated at start)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings

HERE = Path(__file__).parent


class SignalIngestSettings(ServiceSettings):
    service_name: str = "signal_ingest"
    catalog_path: Path = Field(default=HERE / "catalog" / "sample.yaml", alias="CATALOG_PATH")
    churnzero_mapping_path: Path = Field(
        default=HERE / "mappings" / "churnzero.yaml", alias="CHURNZERO_MAPPING_PATH"
    )
    gainsight_mapping_path: Path = Field(
        default=HERE / "mappings" / "gainsight.yaml", alias="GAINSIGHT_MAPPING_PATH"
    )
    # One HMAC secret per source for POST /v1/events (X-Crosssell-Signature).
    ingest_hmac_secret: SecretStr | None = Field(default=None, alias="INGEST_HMAC_SECRET")
    ingest_source_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, alias="INGEST_SOURCE_SECRETS"
    )
    churnzero_token: SecretStr | None = Field(default=None, alias="CHURNZERO_TOKEN")
    gainsight_shared_secret: SecretStr | None = Field(default=None, alias="GAINSIGHT_SHARED_SECRET")
    signature_tolerance_s: int = Field(default=300, ge=1, le=3600)
    # Published journal rows are kept this long: `crosssell replay` and
    # `crosssell backtest` read them. Pruned by age.
    journal_retention_days: int = Field(default=180, ge=1, le=3650)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Consumer hot path: bigger batches mean fewer state writes per event (an
    # account touched by five events in a batch is written once), but the whole
    # batch is in memory at once. Measured (bench scenario 2, 1M events / 10k
    # accounts, two consumer processes, shared machine; consumers' CPU per
    # event, PostgreSQL CPU per event, peak RSS of the larger process):
    # 5,000 -> 73.7 us, 28.6 us, 305 MB (292 MB with 1 MiB partition fetches);
    # 10,000 -> 70.3 us, 27.6 us, 332 MB; 20,000 -> 64.2 us, 22.2 us, 358 MB.
    # 5,000 keeps a process under 300 MB with 5,000 accounts of ~100 events.
    consumer_max_records: int = Field(default=5_000, ge=1, le=50_000)
    # Decoded account records kept in memory (checked against the row version
    # and xmin on every batch); ~20 KiB each at 100 events per account.
    state_cache_size: int = Field(default=25_000, ge=0, alias="STATE_CACHE_SIZE")
    # The cached states are millions of long-lived objects: with CPython's
    # default gen-0 threshold (700) the cyclic GC re-walks them constantly. A
    # high threshold plus the freeze below keeps collections out of the batch
    # (bench scenario 2, 300k events / 3k accounts, 2 processes: GC share of
    # the consumers' CPU 15.6% at 50,000 without freezing, 11.5% with it, ~0 at
    # 300,000 with it; CPU per event 68.9 -> 58.5 us). 0 leaves the default.
    gc_gen0_threshold: int = Field(default=300_000, ge=0, alias="SIGNAL_INGEST_GC_GEN0_THRESHOLD")
    # After each committed batch, what survived it (mostly cached state) is frozen
    # out of the collector's reach (gc.freeze), so passes walk only new objects;
    # every this many seconds a full collection runs over everything instead (it
    # reclaims any reference cycles among frozen objects). 0: never freeze.
    gc_full_collect_s: float = Field(default=300.0, ge=0, alias="SIGNAL_INGEST_GC_FULL_COLLECT_S")
    # Off for ingest-only replicas (the HTTP edge scaled apart from the consumers).
    run_consumers: bool = Field(default=True, alias="SIGNAL_INGEST_RUN_CONSUMERS")
    # Re-check suppressed signals against the clock (lapsed gates, staleness).
    sweep_interval_s: float = Field(default=300.0, ge=0, alias="SIGNAL_SWEEP_INTERVAL_S")
