#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data folder (docker-entrypoint-initdb.d).
# Least privilege (README, Deployment; application/db_roles.py): four roles, none a superuser.
#   zhijian             owns the database, the events and their immutability triggers; runs `zhijian db init`
#   zhijian_app         the service (zhijian serve): SELECT and INSERT on the ledger, SELECT on the views
#   zhijian_projection  the projection worker: SELECT on the events; owns the views' tables
#   zhijian_auditor     reads everything, writes nothing
# `zhijian db init`, run as zhijian (the compose file's `migrate` service), creates the tables and grants.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$ZHIJIAN_OWNER_PASSWORD" -v app_password="$ZHIJIAN_DB_PASSWORD" \
  -v projection_password="$ZHIJIAN_PROJECTION_PASSWORD" -v auditor_password="$ZHIJIAN_AUDITOR_PASSWORD" <<'SQL'
CREATE ROLE zhijian LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'owner_password';
CREATE ROLE zhijian_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';
CREATE ROLE zhijian_projection LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'projection_password';
CREATE ROLE zhijian_auditor LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'auditor_password';
-- The owner hands the views' tables to the projection role, which needs it to be a member.
GRANT zhijian_projection TO zhijian;
CREATE DATABASE zhijian OWNER zhijian;
REVOKE ALL ON DATABASE zhijian FROM PUBLIC;
SQL
