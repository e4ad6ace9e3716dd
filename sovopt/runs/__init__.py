"""The run store: every run's metadata, input workbook, settings, KPIs and tables,
in a SQLite file per folder or in a shared PostgreSQL database.

A store is a folder (default ``.sovopt/`` in the current directory; the CLI's
``--store`` or ``SOVOPT_STORE``) holding one database, ``runs.sqlite``, or a
PostgreSQL database given as ``postgresql://USER@HOST:PORT/DB``. It is written
by :class:`RunStore` only, through SQLAlchemy Core: the same tables, the same
migrations and the same SQL on both back ends.

How a solve records itself (the whole API a command needs)::

    store = RunStore(folder_or_url)
    run_id = store.begin("case.xlsx", label="baseline", case_name="Air defence",
                         settings={...}, preset="min_dependence")
    try:
        report = ...                      # solve, building a Report
        report.summary["run_id"] = run_id
        store.finish(run_id, report)      # summary, tables, status: one transaction
    except BaseException as exc:
        store.fail(run_id, str(exc))
        raise

Then ``store.list_runs()`` (a DataFrame, newest first), ``store.get(run_id)`` (a
:class:`~sovopt.report.Report` as good as a fresh one), ``store.input_bytes``
and ``store.delete``. Run ids are accepted as a full id (``r0007-a3f9``), its
number (``r0007``, ``r7`` or ``7``) or any unique prefix.

Decisions, and why:

* **Run ids** are ``r<number>-<4 hex>``: the number is the store's own key
  (never reused, even after a delete) so ids are short, sort by age and are
  easy to type; the random suffix keeps runs of different stores apart when
  results are shared or copied (``sovopt store copy``).
* **Atomicity.** :meth:`RunStore.begin` writes the ``running`` run and the input
  bytes in one transaction; :meth:`RunStore.finish` writes the KPIs, every table
  and the final status in one transaction. A process killed in between leaves
  a ``running`` run with no KPIs and no tables, never a half-written one.
* **Interrupted runs** are shown, not stored (:mod:`sovopt.runs.liveness`).
* **Tables** are long SQL tables keyed by run id (:mod:`sovopt.runs.schema`);
  stores of versions 1 to 3 held each table as one JSON blob
  (:mod:`sovopt.runs.codec`); migration 4 moves them into the long tables.
* **KPIs** go to a long ``kpis`` table (run_id, metric, value, text_value) as
  well, so comparing runs in SQL is one query.
* **Input workbooks** are content-addressed by SHA-256 in ``blobs``: stored once
  however many runs use them, and dropped with the last run that uses them.
* **Concurrency and faults**: every write is one transaction, retried whole
  (:mod:`sovopt.runs.connect`); a point of a study is unique in its group.
* **Schema versions**, damaged, foreign and read-only stores:
  :mod:`sovopt.runs.open`.
* **Finding the store.** :func:`default_store` looks for a ``.sovopt/`` folder in
  the current directory and each parent in turn (as git finds ``.git``), so
  ``sovopt runs`` in a sub-folder of a project sees the project's runs.
"""

from sovopt.runs.codec import decode_table, encode_table
from sovopt.runs.connect import (
    BUSY_TIMEOUT_S,
    DB_NAME,
    DEFAULT_FOLDER,
    RETRY_FOR_S,
    is_server_url,
    shown_location,
)
from sovopt.runs.errors import STORE_ADVICE, DuplicatePoint, StoreError, UnknownRun
from sovopt.runs.liveness import INTERRUPTED, process_gone, shown_status
from sovopt.runs.open import default_store
from sovopt.runs.rows import LIST_COLUMNS
from sovopt.runs.schema import (
    KEY_COLUMNS,
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    read_result_table,
    sql_table_name,
    write_result_table,
)
from sovopt.runs.store import STATUSES, RunStore

__all__ = [
    "BUSY_TIMEOUT_S", "DB_NAME", "DEFAULT_FOLDER", "INTERRUPTED", "KEY_COLUMNS",
    "LIST_COLUMNS", "MIGRATIONS", "RETRY_FOR_S", "SCHEMA_VERSION", "STATUSES",
    "STORE_ADVICE", "DuplicatePoint", "Migration", "RunStore", "StoreError", "UnknownRun",
    "decode_table", "default_store", "encode_table", "is_server_url", "process_gone",
    "read_result_table", "shown_location", "shown_status", "sql_table_name",
    "write_result_table",
]
