-- PostgreSQL for Reporter, with least privilege: run once as the postgres superuser,
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -f config/postgresql.sql
-- Two roles, neither able to log in with a password (peer authentication on the local socket,
-- mapped from the system user `reporter`, see pg_ident.conf and pg_hba.conf below):
--   reporter_owner  owns the schema; only `reporter db upgrade` (migrations) connects as it;
--   reporter_app    what the app and its commands use: read and write rows, nothing else:
--                   it cannot create, alter or drop a table, nor read another database.
CREATE ROLE reporter_owner LOGIN;
CREATE ROLE reporter_app LOGIN;
CREATE DATABASE reporter OWNER reporter_owner ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE reporter FROM PUBLIC;
GRANT CONNECT ON DATABASE reporter TO reporter_app;
\connect reporter
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO reporter_owner;
GRANT USAGE ON SCHEMA public TO reporter_app;
-- Tables and sequences the migrations create from now on.
ALTER DEFAULT PRIVILEGES FOR ROLE reporter_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO reporter_app;
ALTER DEFAULT PRIVILEGES FOR ROLE reporter_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO reporter_app;

-- /etc/postgresql/15/main/pg_ident.conf:
--   reporter   reporter   reporter_app
--   reporter   reporter   reporter_owner
-- /etc/postgresql/15/main/pg_hba.conf (before the other "local" lines):
--   local   reporter   reporter_app,reporter_owner   peer map=reporter
-- and in postgresql.conf: listen_addresses = 'localhost' (or the private network of the app
-- servers, with "hostssl ... scram-sha-256" lines and passwords instead of peer).
-- Settings: database_url = "postgresql+psycopg://reporter_app@/reporter"; the migrations run with
-- REPORTER_DATABASE_URL=postgresql+psycopg://reporter_owner@/reporter (config/reporter.service).
