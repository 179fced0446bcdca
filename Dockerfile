# syntax=docker/dockerfile:1
# The rekap Airflow image: the official Airflow image plus this project, with every version
# pinned by constraints.txt. The Airflow version of the base image must equal the
# apache-airflow==... line of constraints.txt (tests/test_compose.py checks it).
#
#   docker compose build          (see docs/deployment.md)
FROM apache/airflow:3.3.2-python3.11

# The project lives at /opt/rekap and is installed in editable mode, so rekap finds sql/ and
# expectations/ beside the package (rekap.settings.resource_dir; REKAP_SQL_DIR and
# REKAP_EXPECTATIONS_DIR would point elsewhere).
USER root
RUN mkdir -p /opt/rekap && chown airflow:0 /opt/rekap
USER airflow

WORKDIR /opt/rekap
COPY --chown=airflow:0 pyproject.toml constraints.txt README.md ./
COPY --chown=airflow:0 plugins/ ./plugins/
COPY --chown=airflow:0 dags/ ./dags/
COPY --chown=airflow:0 sql/ ./sql/
COPY --chown=airflow:0 expectations/ ./expectations/
COPY --chown=airflow:0 deploy/ ./deploy/

# Build leftovers of a developer checkout (egg-info, bytecode) are not part of the image.
# The celery provider version is the one constraints.txt pins; psycopg (v3) is the driver of
# both the Airflow metadata database and the warehouse.
RUN rm -rf plugins/*.egg-info \
    && find . -name __pycache__ -type d -prune -exec rm -rf {} + \
    && pip install --no-cache-dir -c constraints.txt -e /opt/rekap \
        "apache-airflow-providers-celery==3.26.0" \
        "psycopg[binary]"

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/rekap/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/rekap/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    GX_ANALYTICS_ENABLED=False

WORKDIR /opt/airflow
