"""rekap: the reporting pipeline of a Bawaslu Provinsi.

The path of a report, one package per stage:
  report/         read -> check: the format's words (vocab), cells, opening a file, the typed
                  report (model), reader, GX rules (validation), check, the blank template
  intake/         shared drive -> warehouse: scan of inbox/, files (locks, hashes, moves),
                  submissions (inserts, supersession, run records), the flow of one district,
                  feedback, rebuild from archive/, outcomes and run logs
  consolidation/  periods of two months -> marts (sql/) -> leadership workbook -> approval
                  -> delivery; completeness of reporting
  airflow/        what the DAGs and the UI plugin share: default args, callbacks, the
                  timetable, the Required Action, the UI app
  dev/            development tools: the demo, a local Airflow
Shared by every stage: settings, registry, periods, drive (the shared drive's layout and safe
names), warehouse, sheets (workbook styling), cli, data/. Only ``airflow/`` imports Airflow
(``timetable`` and ``hitl`` at module level, the rest lazily), besides the dev tools and the
e-mail of ``consolidation/delivery`` (Airflow's SMTP provider, imported when sending); the DAGs
only call the rest.
"""

__version__ = "0.1.0"
