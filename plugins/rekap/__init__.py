"""rekap: the reporting pipeline of a Bawaslu Provinsi.

The path of a report, one module each:
  reader (workbook -> typed submission) -> validation (GX rules -> row issues)
  -> intake (shared drive -> warehouse) -> metrics (sql/ marts)
  -> leadership_workbook / feedback (spreadsheets) -> delivery.
No module imports Airflow at module level except ``timetable`` (an Airflow Timetable; only
the plugin file and the consolidation DAG import it); the DAGs only call the rest.
"""

__version__ = "0.1.0"
