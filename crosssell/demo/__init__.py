"""``crosssell demo``: a seeded synthetic book pushed through the running system.

* ``book``: ``generate_book`` / ``build_book``, the canonical events of the book;
* ``client``: the public APIs (signed ingest batches, plays, signals, emulator);
* ``drive``: walk a deterministic subset of open plays forward;
* ``report``: the tables the demo prints;
* ``run``: ``run_demo``, the command itself.
"""

from crosssell.demo.book import Book, build_book, generate_book
from crosssell.demo.client import DemoError
from crosssell.demo.run import DemoOptions, run_demo

__all__ = ["Book", "DemoError", "DemoOptions", "build_book", "generate_book", "run_demo"]
