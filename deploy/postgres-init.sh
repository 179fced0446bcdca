#!/bin/bash
# Creates the two databases of the rekap deployment on the one PostgreSQL server:
#   airflow    Airflow's metadata database, owned by the role "airflow"
#   warehouse  rekap's warehouse (REKAP_WAREHOUSE_URL), owned by the role "warehouse"
# Each role can connect only to its own database.
#
# The official postgres image runs this from /docker-entrypoint-initdb.d once, when the data
# volume is empty. Changing a password later: ALTER ROLE ... PASSWORD ... (docs/deployment.md).
set -eo pipefail

# Mounted beside this script by docker-compose.yml; the same check airflow-init makes.
/usr/local/bin/refuse-placeholders.sh POSTGRES_PASSWORD AIRFLOW_DB_PASSWORD WAREHOUSE_DB_PASSWORD

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
    -v airflow_password="${AIRFLOW_DB_PASSWORD}" \
    -v warehouse_password="${WAREHOUSE_DB_PASSWORD}" <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER airflow;
REVOKE ALL ON DATABASE airflow FROM PUBLIC;

CREATE ROLE warehouse LOGIN PASSWORD :'warehouse_password';
CREATE DATABASE warehouse OWNER warehouse;
REVOKE ALL ON DATABASE warehouse FROM PUBLIC;
SQL
