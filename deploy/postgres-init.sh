#!/bin/sh
# Prepares the database for mcp-pa, once: the postgres image runs the scripts in
# /docker-entrypoint-initdb.d when its data volume is new (compose.yaml mounts this one there), as
# the superuser, with POSTGRES_USER and POSTGRES_DB set. It can be run by hand on another server the
# same way (psql reaches it through PGHOST, PGPORT, ...).
#
# Three roles, as docs/postgresql.md describes:
#   DB_OWNER_ROLE (mcp_pa_owner)  owns the database and its tables: `mcp-pa migrate` logs in as it;
#   MCP_DATABASE_APP_ROLE (mcp_pa_app)  the role every query runs as, under row-level security
#                                 (NOLOGIN; migrate grants it what it needs);
#   DB_LOGIN_ROLE (mcp_pa_login)  what `mcp-pa serve` logs in as: a member of the application role
#                                 only, so it can switch neither row-level security nor tables.
# pgvector is installed here because only a superuser may (it is not a trusted extension); where
# the server has no pgvector, mcp-pa works without it.
set -eu
: "${DB_OWNER_PASSWORD:?set DB_OWNER_PASSWORD}" "${DB_LOGIN_PASSWORD:?set DB_LOGIN_PASSWORD}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner="${DB_OWNER_ROLE:-mcp_pa_owner}" -v owner_password="$DB_OWNER_PASSWORD" \
  -v app="${MCP_DATABASE_APP_ROLE:-mcp_pa_app}" \
  -v login="${DB_LOGIN_ROLE:-mcp_pa_login}" -v login_password="$DB_LOGIN_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
ALTER DATABASE :"db" OWNER TO :"owner";
-- PostgreSQL 15 and later: the public schema belongs to the database's owner (pg_database_owner).
-- Older servers: let the owner create tables in it.
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner') WHERE current_setting('server_version_num')::int < 150000 \gexec
-- The application role, made here (migrate would make it) so the login role can join it now; the
-- owner is a member, as migrate expects of the role that runs it.
CREATE ROLE :"app" NOLOGIN NOSUPERUSER NOBYPASSRLS;
GRANT :"app" TO :"owner";
CREATE ROLE :"login" LOGIN PASSWORD :'login_password' NOSUPERUSER NOBYPASSRLS IN ROLE :"app";
SELECT 'CREATE EXTENSION IF NOT EXISTS vector' WHERE EXISTS (SELECT FROM pg_available_extensions WHERE name = 'vector') \gexec
SQL
