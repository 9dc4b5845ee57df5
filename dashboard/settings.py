"""Every tunable of the dashboard in one place (row caps, page size, timeouts, SQL limits, defaults)."""

from __future__ import annotations

import os

PAGE_SIZE = 50  # rows per page in the letters explorer
EXPORT_PAGE_ROWS = 50_000  # items the Letters export reads and writes at a time
SEARCH_PREFIX_MIN = 3  # letters or digits a prefix search ("gab*") needs
SEARCH_PREFIX_CAP = 50  # words one prefix may stand for; a broader prefix is refused
MIN_N_DEFAULT = 30  # decided items below which a group is drawn faint (at most; see MIN_N_SHARE)
MIN_N_SHARE = 0.02  # the default minimum n is this share of the decided items shown, up to MIN_N_DEFAULT
TOP_TREATMENTS = 25  # treatments listed in a category's drill-down
TOP_GUIDELINES = 30  # guideline documents, sections or pages ranked
Z_95 = 1.959963984540054  # normal quantile of a 95% two-sided interval
REFRESH_COMMAND = "python -m etl refresh --source data/sample"

# The SQL page. Each query runs in its own process with these limits, so no query can take the
# dashboard down or starve it (docs/sharing.md).
SQL_PAGE_ENABLED = os.environ.get("IMR_SQL_PAGE", "on").strip().lower() not in {"off", "0", "false", "no"}
SQL_ROW_CAP = 1_000  # rows the SQL page shows
SQL_DOWNLOAD_ROW_CAP = 100_000  # rows the SQL page's CSV download holds
SQL_RESULT_BYTE_CAP = 64 * 2**20  # bytes of result the query process hands back (fewer rows beyond)
SQL_TIMEOUT_SECONDS = 30.0  # the query is interrupted after this…
SQL_KILL_GRACE_SECONDS = 3.0  # …and its process killed this much later if it has not stopped
SQL_MEMORY_MB = 1_024  # DuckDB's memory limit in the query process (beyond it: a clear error)
SQL_ADDRESS_SPACE_MB = 3_072  # hard cap on the query process's memory (beyond it: the process dies)
SQL_THREADS = 1  # cores one query may use; the dashboard keeps the rest
SQL_TEMP_MB = 512  # disk a query may spill to, in a private folder removed after the query

# The Why page's with/without comparison: grounds for upholding that are a documented shortfall in
# the request (something the records lack), for which "with" against "without" reads naturally.
# Grounds about the guideline itself (not_recommended, exceeds_guideline_limits) are left out.
REASONS_COMPARED = (
    "no_functional_improvement",
    "conservative_care_not_tried",
    "missing_findings",
    "opioid_monitoring",
    "insufficient_information",
)
