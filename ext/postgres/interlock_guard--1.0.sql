\echo Use "CREATE EXTENSION interlock_guard" to load this file. \quit
CREATE FUNCTION interlock.guard_rows() RETURNS trigger LANGUAGE C AS 'MODULE_PATHNAME', 'interlock_guard_rows';
CREATE FUNCTION interlock.guard_noop() RETURNS trigger LANGUAGE C AS 'MODULE_PATHNAME', 'interlock_guard_noop';
REVOKE ALL ON FUNCTION interlock.guard_rows(), interlock.guard_noop() FROM PUBLIC;
