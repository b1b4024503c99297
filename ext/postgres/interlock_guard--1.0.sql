\echo Use "CREATE EXTENSION interlock_guard SCHEMA interlock" (interlock protect postgres does) to load this file. \quit
-- the guard's row-count trigger (interlock protect postgres writes the triggers: interlock.guard_rows('FLOOR'))
CREATE FUNCTION interlock.guard_rows() RETURNS trigger LANGUAGE C AS 'MODULE_PATHNAME', 'interlock_guard_rows';
CREATE FUNCTION interlock.guard_version() RETURNS text LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'interlock_guard_version';
-- (as interlock protect leaves every function of the schema: a dump then has no privileges of theirs to restore)
REVOKE ALL ON FUNCTION interlock.guard_rows(), interlock.guard_version() FROM PUBLIC;
