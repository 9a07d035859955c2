"""``crosssell chaos``: the crash and outage fault suite (real processes, no mocks).

* ``system``: ``ChaosSystem``, a ``Supervisor``-run system (embedded PostgreSQL and
  broker, the Salesforce emulator, the three services) with fault injectors
  (``kill``/``restart`` a service, freeze/thaw or restart the broker, stop/start
  PostgreSQL, Salesforce faults and API allocation, the test clock) and readers
  (signals, plays, Salesforce records, backlog, consumer lag, ``wait_settled``);
* ``stream``: the book of events a scenario sends and the retrying ``Sender``;
* ``effects``: expected effects (signals from the pure domain, plays from the
  signals as decided, one Opportunity per play, Tasks from each play's history)
  against what the system holds: lost, duplicated, unexpected;
* ``scenarios``: the faults; ``run``: running them; ``report``: the table and JSON.

``tests/faults`` runs the same scenarios at CI size (``Sizes.quick``).
"""
