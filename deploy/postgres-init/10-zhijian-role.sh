#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data folder (docker-entrypoint-initdb.d).
# The application connects as its own role, `zhijian`: it owns the zhijian database (the ledger and the
# projections create their tables and the immutability triggers at start) and is no superuser; the
# superuser (POSTGRES_USER) is for administration only.
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="$ZHIJIAN_DB_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE ROLE zhijian LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';
CREATE DATABASE zhijian OWNER zhijian;
REVOKE ALL ON DATABASE zhijian FROM PUBLIC;
SQL
