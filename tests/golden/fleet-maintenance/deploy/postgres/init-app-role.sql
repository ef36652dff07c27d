-- Created once by backend-engineer from the spec bundle. This file is yours: regeneration never overwrites it.
-- Values shared with the service come from app/spec_config.py; keep them in step when you edit either.
-- Runs once, as the PostgreSQL superuser, when compose creates the database volume
-- (docker-entrypoint-initdb.d). Migrations run as the superuser and own the tables; the service
-- connects as fleet_app, which is neither superuser, nor owner, nor BYPASSRLS, so the tenant
-- row-level-security policies apply to every query it makes.
\set ON_ERROR_STOP on
\getenv app_password APP_DB_PASSWORD
CREATE ROLE fleet_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
GRANT CONNECT ON DATABASE :"DBNAME" TO fleet_app;
GRANT USAGE ON SCHEMA public TO fleet_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO fleet_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO fleet_app;
