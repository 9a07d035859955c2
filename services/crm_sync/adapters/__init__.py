"""SQL adapters of crm_sync: its tables, the ``SyncStore`` over them, the status queries."""
