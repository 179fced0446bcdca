"""What the DAGs and the Airflow UI plugin share: default args and callbacks, failures that are
not retried, the period timetable, the Required Action, the UI app. The only runtime package
that imports Airflow."""
