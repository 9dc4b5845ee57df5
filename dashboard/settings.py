"""Every tunable of the dashboard in one place (row caps, page size, timeouts, defaults)."""

from __future__ import annotations

PAGE_SIZE = 50  # rows per page in the letters explorer
SQL_ROW_CAP = 1_000  # rows the SQL page shows
SQL_DOWNLOAD_ROW_CAP = 100_000  # rows the SQL page's CSV download holds
SQL_TIMEOUT_SECONDS = 30.0  # the SQL page interrupts a query running longer than this
MIN_N_DEFAULT = 30  # decided items below which a rate is greyed out or hidden
TOP_TREATMENTS = 25  # treatments listed in a category's drill-down
TOP_GUIDELINES = 30  # guideline documents, sections or pages ranked
Z_95 = 1.959963984540054  # normal quantile of a 95% two-sided interval
REFRESH_COMMAND = "python -m etl refresh --source data/sample"
