-- The database and its two roles: one owns the tables and runs the migrations, the app runs as the other.
--
-- The app's role reads and writes rows, but owns nothing: it cannot change the schema, switch off a trigger, or
-- empty, change or delete a line of the audit log (it may only read and add to audit_event). Roles belong to the
-- whole PostgreSQL server, not to one database, so this runs once per server as a superuser, before the first
-- migration:
--
--   sudo -u postgres psql -f deploy/roles.sql
--
-- psql asks for each role's password (\password: not shown, and sent to the server already hashed). For a script,
-- -v owner_password=... -v app_password=... give them instead, in ALTER ROLE statements that a server logging
-- statements (log_statement = ddl or all) writes to its log. Other names: -v database=... -v owner=... -v app=...
-- (defaults feedback, feedback_owner and feedback).
--
-- Safe to run again, for example to change a password. It also moves an existing database whose tables the app's
-- own role owns (as the guide once set it up) to the owner role: stop the service, run this with app=<that role>,
-- set MIGRATION_DATABASE_URL, then start the service again.
--
-- Tables that later migrations add are the owner's, and the app's role gets the same rights on them (default
-- privileges). The audit log's narrower right (read and add only) is kept by migration 0014 and by this script.

\set ON_ERROR_STOP on
\if :{?database}
\else
  \set database feedback
\endif
\if :{?owner}
\else
  \set owner feedback_owner
\endif
\if :{?app}
\else
  \set app feedback
\endif

SELECT :'owner' = :'app' AS same_role \gset
\if :same_role
  DO $$ BEGIN RAISE EXCEPTION 'owner and app must be two different roles'; END $$;
\endif

-- --- the roles (server-wide) ------------------------------------------------------------------------------------

SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
-- Neither may do more than its part: no superuser, no creating databases or roles, no bypassing row security.
ALTER ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
\if :{?owner_password}
  ALTER ROLE :"owner" PASSWORD :'owner_password';
\else
  \echo 'The password of' :"owner" '(the owner: migrations only, in /etc/feedback/migrate.env)'
  \password :"owner"
\endif
\if :{?app_password}
  ALTER ROLE :"app" PASSWORD :'app_password';
\else
  \echo 'The password of' :"app" '(the app: DATABASE_URL in /etc/feedback/feedback.env)'
  \password :"app"
\endif
-- The app's role must not act as the owner through membership of its role.
SELECT format('REVOKE %I FROM %I', :'owner', :'app') WHERE pg_has_role(:'app', :'owner', 'MEMBER') \gexec
SELECT pg_has_role(:'app', :'owner', 'MEMBER') AS app_is_owner \gset
\if :app_is_owner
  DO $$ BEGIN RAISE EXCEPTION 'the app role is a member of the owner role through another role: end that first'; END $$;
\endif

-- --- the database -----------------------------------------------------------------------------------------------

SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app";

\connect :"database"

-- Only the owner creates anything here (PostgreSQL before 15 let everyone create in the public schema).
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- An existing database set up with the app's role as owner: everything in it becomes the owner's. Tables take
-- their indexes, triggers and column sequences with them; then the sequences and functions left over.
SELECT format('ALTER %s public.%I OWNER TO %I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
              c.relname, :'owner')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> :'owner'
\gexec
SELECT format('ALTER SEQUENCE public.%I OWNER TO %I', c.relname, :'owner')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> :'owner' \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> :'owner' \gexec
SELECT format('ALTER %s public.%I OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname,
              :'owner')
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> :'owner' \gexec

-- --- what the app may do ----------------------------------------------------------------------------------------

-- Rows: read, add, change and delete, in every table there is now and every table the owner adds later.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app";

-- The audit log: read and add only. (Its triggers refuse UPDATE, DELETE and TRUNCATE from anyone, and only its
-- owner could switch them off.) When the first migration has not run yet, migration 0014 does this.
SELECT to_regclass('public.audit_event') IS NOT NULL AS has_audit_log \gset
\if :has_audit_log
  REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON public.audit_event FROM :"app";
\endif

\echo 'Roles ready: run the migrations as' :"owner" '(MIGRATION_DATABASE_URL) and the service as' :"app" '(DATABASE_URL).'
