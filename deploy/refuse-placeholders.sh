#!/bin/sh
# Refuses to set up a deployment whose secrets are still the placeholders of .env.example
# (publicly known values: anyone could log in as admin or forge API tokens).
#
#   refuse-placeholders.sh VAR [VAR ...]
#
# Exits 1 with one line naming every VAR that is empty or still holds "change-me".
# Used first by airflow-init (docker-compose.yml) and by deploy/postgres-init.sh.
bad=""
for name in "$@"; do
    value=$(printenv "$name" || true)
    case "$value" in
        "" | *change-me*) bad="$bad $name" ;;
    esac
done
if [ -n "$bad" ]; then
    echo "refusing to start: placeholder or empty secret in${bad}; replace every change-me value in .env (docs/deployment.md, step 2) and run again" >&2
    exit 1
fi
