"""Development tools, out of the runtime's way: the demo drive, a local Airflow."""
