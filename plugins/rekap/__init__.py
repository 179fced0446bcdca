"""rekap: the reporting pipeline of a Bawaslu Provinsi.

The path of a report, one module each:
  reader (workbook -> typed submission) -> validation (GX rules -> row issues)
  -> intake (shared drive -> warehouse) -> metrics (sql/ marts)
  -> leadership_workbook / feedback (spreadsheets) -> delivery.
Nothing in this package imports Airflow at module level; the DAGs only call it.
"""

__version__ = "0.1.0"
