"""The guard inside PostgreSQL: ``interlock protect postgres URL`` (``--remove`` takes it out).

A parser will always have one more trick against it; the database knows exactly what a statement did.
Installed with a privileged login (the database owner or a superuser), the guard is:

* ``interlock`` schema, owned by that login: ``interlock.settings`` (the limits), ``interlock.grants``
  (single-use permissions written only by Interlock's privileged role: approval id, a hash of the token
  the gateway sets, a hash of the statement text, an expiry; consumed by the first transaction that uses
  them) and the judging functions (``SECURITY DEFINER``, pinned ``search_path``);
* on every ordinary table outside the system schemas: statement-level ``AFTER DELETE`` / ``AFTER UPDATE``
  triggers that refuse a transaction changing more than ``max_rows`` rows of the table, or at least
  ``min_rows`` rows and more than ``max_percent`` % of it, and a ``BEFORE TRUNCATE`` trigger refusing every
  TRUNCATE — all ``ENABLE ALWAYS`` (replication-role sessions too).  A table without children is counted
  by PostgreSQL's own per-transaction counters (``pg_stat_get_xact_tuples_deleted/updated``, rows of
  rolled-back savepoints included) in a trigger function that runs as the caller and evaluates one
  expression; past the row floor under which nothing is refused it calls ``interlock.over_limit`` (the only
  function in the schema anyone may call); a partitioned or inherited table, or any table when
  ``track_counts`` is off, by a transition table of the statement's rows;
* the row-count trigger function in C where the server has the ``interlock_guard`` extension (``ext/postgres``,
  installed there with ``make install``; created by a superuser): the same counting, the same PL/pgSQL judge
  past the floor, about a third of the PL/pgSQL function's cost (``--implementation auto|c|plpgsql``);
* where the login may create event triggers (a superuser): an event trigger refusing DROP of a table,
  schema or column, ``DROP OWNED``, ``ALTER TABLE … TYPE … USING``, and disabling or dropping the guard's
  own triggers; and one that puts the guard on tables created later;
* a least-privilege role for agents (``--agent-role``, default ``interlock_agent``): DML on the tables,
  sequences' usage — no ownership, DDL, TRUNCATE, rules, triggers or functions of its own on them.

Unless the transaction holds a grant: ``SET LOCAL interlock."grant" = 'APPROVAL_ID:TOKEN'`` in the same
query as the statement, whose text hash the grant names (what the gateway sends for an approved
statement).  Everything is versioned (``interlock.settings.version``) and idempotent; PostgreSQL 13–17.
"""

from __future__ import annotations

import hashlib
import secrets
import sys

VERSION = 5  # 2: per-transaction counters on tables without children; 3: their fast path without SECURITY DEFINER;
#             4: the row-count trigger in C where the server has the interlock_guard extension (ext/postgres);
#             5: the budget across transactions (interlock.budget) for the agent role's sessions
EXTENSION = "interlock_guard"
C_MIN = (1, 1)   # the C library's version protect needs (guard_version()): 1.1 charges the budget
IMPLEMENTATIONS = ("auto", "c", "plpgsql")
AGENT_ROLE = "interlock_agent"
PREFIX = "interlock_guard"

_SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'interlock', 'pg_toast')"

_SCHEMA = r"""
CREATE SCHEMA IF NOT EXISTS interlock;
REVOKE ALL ON SCHEMA interlock FROM PUBLIC;
CREATE TABLE IF NOT EXISTS interlock.settings (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS interlock.grants (
    approval_id text PRIMARY KEY,
    token_sha256 text NOT NULL,
    statement_sha256 text NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    expires timestamptz NOT NULL DEFAULT now() + interval '10 minutes',
    used_at timestamptz,
    used_xid xid8
);
-- the statement that used it (statement_timestamp(): set by each Query, Parse, Bind and Execute message): a grant
-- is one statement's, even when its text is a prepared statement's that the same transaction executes again
ALTER TABLE interlock.grants ADD COLUMN IF NOT EXISTS used_stmt timestamptz;
CREATE TABLE IF NOT EXISTS interlock.busy (xid xid8 PRIMARY KEY);
REVOKE ALL ON ALL TABLES IN SCHEMA interlock FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.granted(what text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
DECLARE
    g text := current_setting('interlock.grant', true);
    id text;
    tok text;
    row interlock.grants%ROWTYPE;
BEGIN
    IF g IS NULL OR g = '' OR position(':' in g) = 0 THEN
        RETURN false;
    END IF;
    id := split_part(g, ':', 1);
    tok := substr(g, length(id) + 2);
    SELECT * INTO row FROM interlock.grants WHERE approval_id = id FOR UPDATE;
    IF NOT FOUND OR row.statement_sha256 <> encode(sha256(convert_to(current_query(), 'UTF8')), 'hex')
       OR row.expires < now() THEN
        RETURN false;
    END IF;
    IF tok = '*used*' THEN
        -- the token was taken out of the setting by this statement's first check (another table's trigger of the
        -- same statement asks again): only that statement, in that transaction, still holds it
        RETURN row.used_at IS NOT NULL AND row.used_xid = pg_current_xact_id()
               AND row.used_stmt = statement_timestamp();
    END IF;
    IF row.token_sha256 <> encode(sha256(convert_to(tok, 'UTF8')), 'hex') THEN
        RETURN false;
    END IF;
    IF row.used_at IS NOT NULL AND (row.used_xid IS DISTINCT FROM pg_current_xact_id()
                                    OR row.used_stmt IS DISTINCT FROM statement_timestamp()) THEN
        RETURN false;                                  -- single use: spent by another statement
    END IF;
    UPDATE interlock.grants SET used_at = coalesce(used_at, clock_timestamp()), used_xid = pg_current_xact_id(),
                                used_stmt = statement_timestamp()
     WHERE approval_id = id;
    -- the token does not outlive its first use: read back later in the transaction (which then rolls back,
    -- taking the "used" mark with it) it would let the approved text run again with other values
    PERFORM set_config('interlock.grant', id || ':*used*', true);
    RETURN true;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.setting(k text, dflt numeric) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
    SELECT coalesce((SELECT value::numeric FROM interlock.settings WHERE key = k), dflt)
$fn$;

CREATE OR REPLACE FUNCTION interlock.refuse(what text, detail text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'Interlock guard: ' || what,
        DETAIL = detail, HINT = 'run it through the Interlock gateway and have a human approve it';
END $fn$;

CREATE OR REPLACE FUNCTION interlock.check_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
-- tables with children (partitioned, inherited): a transition table holds every row the statement touched,
-- whichever child it lives in.  No SET clause (a per-call configuration switch), so every name is
-- schema-qualified; TG_ARGV[0] is the row count below which nothing else is looked at, the rest the budgeted
-- roles (their sessions' DELETE, UPDATE and INSERT are charged to the budget across transactions)
DECLARE
    n pg_catalog.int8;
    budgeted boolean := TG_NARGS OPERATOR(pg_catalog.>) 1 AND session_user::pg_catalog.text OPERATOR(pg_catalog.=)
                        ANY (TG_ARGV[1:TG_NARGS OPERATOR(pg_catalog.-) 1]);
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        IF budgeted THEN
            SELECT pg_catalog.count(*) INTO n FROM new_rows;
            PERFORM interlock.budget_stmt(TG_RELID, TG_OP, n);
        END IF;
        RETURN NULL;
    END IF;
    SELECT pg_catalog.count(*) INTO n FROM old_rows;
    IF n OPERATOR(pg_catalog.>=) TG_ARGV[0]::pg_catalog.int8 THEN
        PERFORM interlock.check_rows_over(TG_RELID, TG_OP, n);
    END IF;
    IF budgeted THEN
        PERFORM interlock.budget_stmt(TG_RELID, TG_OP, n);
    END IF;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.check_rows_fast() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
-- tables without children, on every DELETE / UPDATE: PostgreSQL's own counters of the rows this session tried
-- to change in the table and has not yet flushed to the statistics (rolled-back savepoints included) — two
-- function calls, no query, no transition table.  Asking for a flush when the session next goes idle makes
-- them start at zero with each transaction, so the limit is the transaction's: small statements add up.
DECLARE
    n pg_catalog.int8;
    d pg_catalog.text;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        n := pg_catalog.pg_stat_get_xact_tuples_deleted(TG_RELID);
    ELSE
        n := pg_catalog.pg_stat_get_xact_tuples_updated(TG_RELID);
    END IF;
    IF n OPERATOR(pg_catalog.>) 0 THEN
        d := pg_catalog.pg_stat_force_next_flush()::pg_catalog.text;
    END IF;
    IF n OPERATOR(pg_catalog.<) TG_ARGV[0]::pg_catalog.int8 THEN
        RETURN NULL;
    END IF;
    PERFORM interlock.check_rows_xact(TG_RELID, TG_OP, n);
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.over_limit(rel oid, op text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
-- the slow path of interlock.count_delete / count_update: the session's counters of the table reached the row
-- floor under which nothing is ever refused.  Reads the counters itself (anyone may call it: it judges what
-- the caller's own session did, as the trigger would)
BEGIN
    IF op = 'DELETE' THEN
        PERFORM interlock.check_rows_xact(rel, op, pg_stat_get_xact_tuples_deleted(rel));
    ELSIF op = 'UPDATE' THEN
        PERFORM interlock.check_rows_xact(rel, op, pg_stat_get_xact_tuples_updated(rel));
    ELSE
        RAISE EXCEPTION 'interlock.over_limit: no operation %', op;
    END IF;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.fast_functions() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
-- (re)writes the trigger functions of tables without children, with the row floor of the limits written in:
-- least(min_rows, max_rows + 1), below which a transaction is never refused.  Called at install and whenever
-- interlock.settings changes (its trigger), so the floor always follows the settings.
--
-- They run as the caller, not SECURITY DEFINER (a definer call costs a second function look-up and a user
-- switch on every statement): one expression, two calls into C.  Every name is schema-qualified.  The
-- caller needs EXECUTE on pg_stat_force_next_flush (PUBLIC's by default; when revoked they are written as
-- SECURITY DEFINER instead) and on interlock.over_limit (granted to PUBLIC with USAGE on the schema).
DECLARE
    fast bigint := least(interlock.setting('min_rows', 10), interlock.setting('max_rows', 1000) + 1);
    roles name[] := interlock.budget_roles();
    -- (equalities, not = ANY (array): a constant array is taken apart again at every evaluation)
    budget text := CASE WHEN cardinality(interlock.budget_roles()) > 0 THEN
        'IF ' || (SELECT string_agg(format('session_user OPERATOR(pg_catalog.=) %L::pg_catalog.name', r), ' OR ')
                    FROM unnest(interlock.budget_roles()) r)
        || ' THEN PERFORM interlock.budget_self(TG_RELID, ' ELSE '' END;
    public_flush boolean := (SELECT p.proacl IS NULL OR EXISTS (
                                 SELECT 1 FROM aclexplode(p.proacl) a
                                  WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
                             FROM pg_proc p WHERE p.oid = to_regprocedure('pg_catalog.pg_stat_force_next_flush()'));
    op text;
BEGIN
    FOREACH op IN ARRAY ARRAY['delete', 'update'] LOOP
        EXECUTE format($body$
CREATE OR REPLACE FUNCTION interlock.count_%1$s() RETURNS trigger LANGUAGE plpgsql %3$s AS $f$
-- written by interlock.fast_functions(): a flush of the session's counters is asked for on every statement, so
-- they start at zero with each transaction; past the floor (%2$s rows) interlock.over_limit judges
BEGIN
    IF pg_catalog.pg_stat_force_next_flush() IS NULL
       OR pg_catalog.pg_stat_get_xact_tuples_%1$sd(TG_RELID) OPERATOR(pg_catalog.>=) %2$s THEN
        PERFORM interlock.over_limit(TG_RELID, %4$L);
    END IF;
    %5$s
    RETURN NULL;
END $f$ $body$, op, fast, CASE WHEN public_flush THEN 'SECURITY INVOKER' ELSE 'SECURITY DEFINER' END,
                      upper(op), CASE WHEN budget = '' THEN '' ELSE budget || format('%L); END IF;', upper(op)) END);
    END LOOP;
    -- a budgeted role's inserts: left out of the table's baseline (padding a table does not make its rows a small
    -- share); other sessions' INSERT triggers do nothing
    EXECUTE format($body$
CREATE OR REPLACE FUNCTION interlock.count_insert() RETURNS trigger LANGUAGE plpgsql SECURITY INVOKER AS $f$
-- written by interlock.fast_functions()
BEGIN
    %s
    RETURN NULL;
END $f$ $body$, CASE WHEN budget = '' THEN '' ELSE budget || '''INSERT''); END IF;' END);
    REVOKE EXECUTE ON FUNCTION interlock.count_delete(), interlock.count_update(), interlock.count_insert()
        FROM PUBLIC;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.on_settings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
BEGIN
    PERFORM interlock.fast_functions();
    -- triggers that carry the floor as their argument (the C function, transition tables) are written again
    -- with the new one; `interlock protect` itself protects every table after writing the settings
    IF coalesce(current_setting('interlock.installing', true), '') <> 'on' THEN
        PERFORM interlock.protect_table(t.tgrelid::regclass) FROM pg_trigger t
         WHERE t.tgname = 'interlock_guard_delete'
           AND (t.tgfoid IN ('interlock.check_rows'::regproc, coalesce(to_regprocedure('interlock.guard_rows()'), 0))
                OR EXISTS (SELECT 1 FROM interlock.settings WHERE key = 'budget_roles'));
    END IF;
    RETURN NULL;
END $fn$;
DROP TRIGGER IF EXISTS interlock_settings ON interlock.settings;
CREATE TRIGGER interlock_settings AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON interlock.settings
    FOR EACH STATEMENT EXECUTE FUNCTION interlock.on_settings();

CREATE UNLOGGED TABLE IF NOT EXISTS interlock.counted (
    xid xid8 NOT NULL, rel oid NOT NULL, op text NOT NULL, n bigint NOT NULL, PRIMARY KEY (xid, rel, op));
REVOKE ALL ON interlock.counted FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.rows_within(rel oid, op text, n bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
DECLARE
    pct numeric := interlock.setting('max_percent', 20);
    need bigint;
    seen bigint;
BEGIN
    IF n > interlock.setting('max_rows', 1000) THEN
        RETURN false;
    END IF;
    IF n < interlock.setting('min_rows', 10) THEN
        RETURN true;
    END IF;
    IF pct <= 0 THEN
        RETURN false;
    END IF;
    -- within when n <= pct% of the table as it was: the rows there now, plus (DELETE) the ones gone.  Counted,
    -- not estimated (reltuples and the statistics' live rows both lag: a table that shrank keeps its reltuples
    -- until the next ANALYZE), and only as far as the answer needs: at most max_rows * 100 / max_percent rows
    need := ceil(n * 100 / pct)::bigint - CASE WHEN op = 'DELETE' THEN n ELSE 0 END;
    IF need <= 0 THEN
        RETURN true;
    END IF;
    EXECUTE format('SELECT count(*) FROM (SELECT FROM %s LIMIT %s) s', rel::regclass, need) INTO seen;
    RETURN seen >= need;
END $fn$;
REVOKE ALL ON FUNCTION interlock.rows_within(oid, text, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.check_rows_over(rel oid, op text, n bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
-- a statement's rows, from its transition table (tables with children)
BEGIN
    IF interlock.rows_within(rel, op, n) OR interlock.granted(op) THEN
        RETURN;
    END IF;
    PERFORM interlock.refuse(format('%s of %s rows of %s refused', op, n, rel::regclass),
        format('a statement may %s at most %s rows, or %s%% of a table, without an approval (rows: %s)',
               lower(op), interlock.setting('max_rows', 1000), interlock.setting('max_percent', 20), n));
END $fn$;
REVOKE ALL ON FUNCTION interlock.check_rows_over(oid, text, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.check_rows_xact(rel oid, op text, n bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
-- what an approved statement did (its grant) is the transaction's base from then on: kept in a table only
-- this function writes (a setting would be the session's to change)
DECLARE
    me xid8 := pg_current_xact_id();
    base bigint := coalesce((SELECT c.n FROM interlock.counted c WHERE c.xid = me AND c.rel = $1 AND c.op = $2), 0);
BEGIN
    IF interlock.rows_within(rel, op, n - base) THEN
        RETURN;
    END IF;
    IF interlock.granted(op) THEN
        DELETE FROM interlock.counted c WHERE c.xid < pg_snapshot_xmin(pg_current_snapshot());
        INSERT INTO interlock.counted VALUES (me, rel, op, n) ON CONFLICT ON CONSTRAINT counted_pkey
            DO UPDATE SET n = EXCLUDED.n;
        RETURN;
    END IF;
    PERFORM interlock.refuse(format('%s of %s rows of %s in this transaction refused', op, n - base, rel::regclass),
        format('a transaction may %s at most %s rows of a table, or %s%% of it, without an approval (rows: %s)',
               lower(op), interlock.setting('max_rows', 1000), interlock.setting('max_percent', 20), n - base));
END $fn$;
REVOKE ALL ON FUNCTION interlock.check_rows_xact(oid, text, bigint) FROM PUBLIC;

-- the budget: what the budgeted roles (budget_roles: the agent role) deleted / updated of each table within the
-- window (budget_window), across transactions, and what they inserted within budget_insert_window (left out of
-- the table's baseline: padding a table first does not make its real rows a small share).  One row per table and
-- operation, written only by interlock.budget_charge() (the agent may not read or write it); rolled back with the
-- transaction that wrote it; locked by a transaction that spends it until it ends (concurrent agent sessions
-- take turns; under REPEATABLE READ the second one fails: closed)
CREATE TABLE IF NOT EXISTS interlock.budget (
    rel oid NOT NULL, op text NOT NULL, window_start timestamptz NOT NULL DEFAULT now(), spent bigint NOT NULL DEFAULT 0,
    last_xid xid8, last_n bigint NOT NULL DEFAULT 0, PRIMARY KEY (rel, op));
REVOKE ALL ON interlock.budget FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.setting_text(k text, dflt text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
    SELECT coalesce((SELECT value FROM interlock.settings WHERE key = k), dflt)
$fn$;

CREATE OR REPLACE FUNCTION interlock.budget_roles() RETURNS name[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
    SELECT coalesce(array_agg(trim(r)::name) FILTER (WHERE trim(r) <> ''), '{}')
      FROM unnest(string_to_array(interlock.setting_text('budget_roles', ''), ',')) r
$fn$;

CREATE OR REPLACE FUNCTION interlock.budget_window(op text) RETURNS interval
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
    SELECT CASE WHEN op = 'INSERT' THEN interlock.setting_text('budget_insert_window', '1 day')::interval
                ELSE interlock.setting_text('budget_window', '1 hour')::interval END
$fn$;

CREATE OR REPLACE FUNCTION interlock.budget_spent(r oid, o text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
    SELECT coalesce((SELECT b.spent FROM interlock.budget b WHERE b.rel = r AND b.op = o
                      AND b.window_start > now() - interlock.budget_window(o)), 0)
$fn$;

DROP FUNCTION IF EXISTS interlock.budget() CASCADE;   -- (a first draft's)
CREATE OR REPLACE FUNCTION interlock.budget_charge(rel oid, op text, stmt bigint, total bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
-- called by the row-count triggers (C or PL/pgSQL) only in the budgeted roles' sessions, on every DELETE, UPDATE
-- and INSERT: the statement's rows (stmt, from a transition table), or the transaction's so far (total, from the
-- session's per-transaction counters: the statement's are total less what this transaction's earlier statements
-- were charged, kept in the budget row it holds locked).  Charged to the table and to each of its ancestors
-- (partitions, inheritance children: a child's rows are its parent's too); refused past any of their budgets
DECLARE
    me xid8 := pg_current_xact_id();
    lim bigint := interlock.setting('budget_rows', interlock.setting('max_rows', 1000));
    pct numeric := interlock.setting('budget_percent', interlock.setting('max_percent', 20));
    least_rows bigint := least(interlock.setting('budget_min_rows', interlock.setting('min_rows', 10)), lim + 1);
    win interval := interlock.budget_window(op);
    rels oid[];
    r oid;
    b interlock.budget%ROWTYPE;
    spent bigint;
    base bigint;
    need bigint;
    seen bigint;
    bad text;
BEGIN
    rels := ARRAY[rel] || coalesce((WITH RECURSIVE up(p) AS (
                SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = rel
                UNION SELECT i.inhparent FROM pg_inherits i JOIN up ON i.inhrelid = up.p)
            SELECT array_agg(p) FROM up), '{}');
    FOREACH r IN ARRAY rels LOOP
        SELECT * INTO b FROM interlock.budget WHERE budget.rel = r AND budget.op = budget_charge.op FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO interlock.budget (rel, op) VALUES (r, budget_charge.op) ON CONFLICT DO NOTHING;
            SELECT * INTO b FROM interlock.budget WHERE budget.rel = r AND budget.op = budget_charge.op FOR UPDATE;
            IF NOT FOUND THEN
                PERFORM interlock.refuse(format('%s on %s refused', op, rel::regclass),
                                         'its budget row could not be read (a concurrent first use): try again');
            END IF;
        END IF;
        IF b.window_start <= now() - win THEN
            b.window_start := now();
            b.spent := 0;
        END IF;
        IF r = rel AND total IS NOT NULL THEN
            stmt := greatest(total - CASE WHEN b.last_xid = me THEN b.last_n ELSE 0 END, 0);
            b.last_xid := me;
            b.last_n := total;
        END IF;
        spent := b.spent + stmt;
        IF bad IS NULL AND op <> 'INSERT' AND stmt > 0 THEN
            -- within: at most budget_rows in the window, and below budget_min_rows or at most budget_percent % of
            -- the table's baseline: its rows now, plus those the budgeted roles deleted in the window, minus those
            -- they inserted in budget_insert_window (counted only as far as the answer needs)
            IF spent > lim OR (spent >= least_rows AND pct <= 0) THEN
                bad := format('%s rows of %s in %s', spent, r::regclass, win);
            ELSIF spent >= least_rows THEN
                base := CASE WHEN op = 'DELETE' THEN spent ELSE interlock.budget_spent(r, 'DELETE') END
                        - interlock.budget_spent(r, 'INSERT');
                need := ceil(spent * 100 / pct)::bigint - base;
                IF need > 0 THEN
                    EXECUTE format('SELECT count(*) FROM (SELECT FROM %s LIMIT %s) s', r::regclass, need) INTO seen;
                    IF seen < need THEN
                        bad := format('%s rows of %s in %s: more than %s%% of its %s rows (%s now, %s deleted, less %s '
                                      'that role inserted in the last %s)', spent, r::regclass, win, pct,
                                      seen + base, seen, CASE WHEN op = 'DELETE' THEN spent
                                      ELSE interlock.budget_spent(r, 'DELETE') END, interlock.budget_spent(r, 'INSERT'),
                                      interlock.budget_window('INSERT'));
                    END IF;
                END IF;
            END IF;
        END IF;
        UPDATE interlock.budget SET window_start = b.window_start, spent = b.spent + stmt, last_xid = b.last_xid,
                                    last_n = b.last_n
         WHERE budget.rel = r AND budget.op = budget_charge.op;
    END LOOP;
    IF bad IS NOT NULL THEN
        IF interlock.granted(op) THEN
            -- an approved statement's rows are not charged to the budget
            UPDATE interlock.budget SET spent = budget.spent - stmt WHERE budget.rel = ANY(rels)
               AND budget.op = budget_charge.op;
            RETURN;
        END IF;
        PERFORM interlock.refuse(
            format('%s of %s more rows of %s refused: over its budget (%s)', op, stmt, rel::regclass, bad),
            format('%s may %s at most %s rows of a table, or %s%% of it, per %s without an approval, however many '
                   'transactions it takes (the rows it inserted in the last %s are left out of the table''s size)',
                   session_user, lower(op), lim, pct, win, interlock.budget_window('INSERT')));
    END IF;
END $fn$;
REVOKE ALL ON FUNCTION interlock.budget_charge(oid, text, bigint, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.budget_xact(rel oid, op text, total bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
BEGIN   -- (PL/pgSQL: the C trigger calls it, and a void SQL function's result is NULL to it)
    PERFORM interlock.budget_charge(rel, op, NULL, total);
END $fn$;
REVOKE ALL ON FUNCTION interlock.budget_xact(oid, text, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.budget_stmt(rel oid, op text, n bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
BEGIN   -- (PL/pgSQL: the C trigger calls it, and a void SQL function's result is NULL to it)
    PERFORM interlock.budget_charge(rel, op, n, NULL);
END $fn$;
REVOKE ALL ON FUNCTION interlock.budget_stmt(oid, text, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION interlock.budget_self(rel oid, op text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
-- the PL/pgSQL fast path's (it runs as the caller): charges the caller's own session's counters of the table,
-- only where the caller's login is budgeted (anyone may call it: it charges no one else)
BEGIN
    IF NOT session_user = ANY (interlock.budget_roles()) OR op NOT IN ('DELETE', 'UPDATE', 'INSERT') THEN
        RETURN;
    END IF;
    IF has_function_privilege('pg_catalog.pg_stat_force_next_flush()', 'EXECUTE') THEN
        PERFORM pg_stat_force_next_flush();
    END IF;
    PERFORM interlock.budget_xact(rel, op, CASE op WHEN 'DELETE' THEN pg_stat_get_xact_tuples_deleted(rel)
                                                   WHEN 'UPDATE' THEN pg_stat_get_xact_tuples_updated(rel)
                                                   ELSE pg_stat_get_xact_tuples_inserted(rel) END);
END $fn$;

CREATE OR REPLACE FUNCTION interlock.check_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
BEGIN
    IF NOT interlock.granted('TRUNCATE') THEN
        PERFORM interlock.refuse(format('TRUNCATE of %s refused', TG_RELID::regclass),
                                 'TRUNCATE empties the whole table');
    END IF;
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.protect_table(rel regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
DECLARE
    fast bigint := least(interlock.setting('min_rows', 10), interlock.setting('max_rows', 1000) + 1);
    -- a statement on a parent changes its children's rows, which its own counters don't see; and with
    -- track_counts off the counters stay at zero: transition tables then
    -- the C trigger function (the interlock_guard extension), where the server has it: the same check, both
    -- ways of counting, a fraction of the cost; it takes the floor as its argument
    -- (a login that did not create the extension may attach its function only if a superuser let it)
    c boolean := to_regprocedure('interlock.guard_rows()') IS NOT NULL
                 AND has_function_privilege(to_regprocedure('interlock.guard_rows()'), 'EXECUTE');
    counted boolean := NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = rel)
        AND (SELECT relkind FROM pg_class WHERE oid = rel) = 'r'
        AND current_setting('track_counts') = 'on'
        AND current_setting('server_version_num')::int >= 150000  -- pg_stat_force_next_flush
        AND (to_regprocedure('interlock.guard_rows()') IS NOT NULL   -- C calls the flush itself
             OR coalesce(has_function_privilege(coalesce(to_regprocedure('pg_catalog.pg_stat_force_next_flush()'),
                                                         0), 'EXECUTE'), false));
    clause text;
    del text;
    upd text;
    mine bigint;
    roles name[] := interlock.budget_roles();
    role_names text := (SELECT string_agg(format('%L', x), ', ') FROM unnest(interlock.budget_roles()) x);
    ins text;
BEGIN
    clause := CASE WHEN counted THEN '' ELSE 'REFERENCING OLD TABLE AS old_rows ' END;
    -- the C function and check_rows take the budgeted roles' names after the floor
    del := CASE WHEN c THEN format('interlock.guard_rows(%L%s)', fast, ', ' || role_names)
                WHEN counted THEN 'interlock.count_delete()'
                ELSE format('interlock.check_rows(%L%s)', fast, ', ' || role_names) END;
    upd := CASE WHEN c THEN format('interlock.guard_rows(%L%s)', fast, ', ' || role_names)
                WHEN counted THEN 'interlock.count_update()'
                ELSE format('interlock.check_rows(%L%s)', fast, ', ' || role_names) END;
    ins := CASE WHEN c THEN format('interlock.guard_rows(%L%s)', fast, ', ' || role_names)
                WHEN counted THEN 'interlock.count_insert()'
                ELSE format('interlock.check_rows(%L%s)', fast, ', ' || role_names) END;
    INSERT INTO interlock.busy VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS mine = ROW_COUNT;  -- called from within another protect_table: that one clears it
    EXECUTE format('DROP TRIGGER IF EXISTS interlock_guard_delete ON %s', rel);
    EXECUTE format('DROP TRIGGER IF EXISTS interlock_guard_update ON %s', rel);
    EXECUTE format('DROP TRIGGER IF EXISTS interlock_guard_truncate ON %s', rel);
    EXECUTE format('CREATE TRIGGER interlock_guard_delete AFTER DELETE ON %s %s'
                   'FOR EACH STATEMENT EXECUTE FUNCTION %s', rel, clause, del);
    EXECUTE format('CREATE TRIGGER interlock_guard_update AFTER UPDATE ON %s %s'
                   'FOR EACH STATEMENT EXECUTE FUNCTION %s', rel, clause, upd);
    EXECUTE format('CREATE TRIGGER interlock_guard_truncate BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION interlock.check_truncate()', rel);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER interlock_guard_delete', rel);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER interlock_guard_update', rel);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER interlock_guard_truncate', rel);
    -- the budget across transactions: a budgeted role's inserts are charged too (left out of the baseline)
    EXECUTE format('DROP TRIGGER IF EXISTS interlock_guard_insert ON %s', rel);
    IF cardinality(roles) > 0 THEN
        EXECUTE format('CREATE TRIGGER interlock_guard_insert AFTER INSERT ON %s %sFOR EACH STATEMENT '
                       'EXECUTE FUNCTION %s', rel,
                       CASE WHEN counted THEN '' ELSE 'REFERENCING NEW TABLE AS new_rows ' END, ins);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER interlock_guard_insert', rel);
        INSERT INTO interlock.budget (rel, op) SELECT rel, o FROM unnest(ARRAY['DELETE', 'UPDATE', 'INSERT']) o
            ON CONFLICT DO NOTHING;
    END IF;
    IF mine > 0 THEN
        DELETE FROM interlock.busy WHERE xid = pg_current_xact_id();
    END IF;
END $fn$;
"""

_EVENT = r"""
CREATE OR REPLACE FUNCTION interlock.installing() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
    -- `interlock protect` itself, run by a superuser (anyone can set the variable; only this pairs it)
    SELECT (current_setting('interlock.installing', true) = 'on'
            AND coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false))
        OR EXISTS (SELECT 1 FROM interlock.busy WHERE xid = pg_current_xact_id())
$fn$;

CREATE OR REPLACE FUNCTION interlock.on_ddl_start() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
DECLARE
    q text := lower(coalesce(current_query(), ''));
BEGIN
    IF interlock.installing() THEN
        RETURN;
    END IF;
    IF (TG_TAG = 'ALTER TABLE' AND q ~ '\mtype\M' AND q ~ '\musing\M')
       OR TG_TAG = 'DROP OWNED'
       OR (TG_TAG IN ('DROP TRIGGER', 'ALTER TRIGGER') AND q ~ 'interlock') THEN
        IF NOT interlock.granted(TG_TAG) THEN
            PERFORM interlock.refuse(TG_TAG || ' refused', 'it rewrites or drops data, or turns the guard off');
        END IF;
    END IF;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
DECLARE
    o record;
BEGIN
    IF interlock.installing() THEN
        RETURN;
    END IF;
    FOR o IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
        IF (o.object_type IN ('table', 'table column', 'schema', 'materialized view', 'foreign table')
            AND NOT o.is_temporary AND coalesce(o.schema_name, o.object_name) <> 'interlock'
            AND coalesce(o.schema_name, '') NOT LIKE 'pg_temp%')
           OR (o.object_type = 'trigger' AND o.object_identity LIKE 'interlock_guard%' AND NOT o.is_temporary
               AND NOT EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() t
                                WHERE t.object_type = 'table' AND t.original))
           OR (o.object_type = 'schema' AND o.object_name = 'interlock') THEN
            IF NOT interlock.granted(TG_TAG) THEN
                PERFORM interlock.refuse(format('%s of %s %s refused', TG_TAG, o.object_type, o.object_identity),
                                         'dropping it loses its data, or turns the guard off');
            END IF;
            RETURN;
        END IF;
    END LOOP;
END $fn$;

CREATE OR REPLACE FUNCTION interlock.on_ddl_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, interlock AS $fn$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
        IF o.command_tag = 'CREATE TABLE' AND o.object_type = 'table'
           AND o.schema_name NOT IN ('pg_catalog', 'information_schema', 'interlock')
           AND o.schema_name NOT LIKE 'pg_temp%' THEN
            PERFORM interlock.protect_table(o.objid::regclass);
        END IF;
        IF o.command_tag IN ('CREATE TABLE', 'ALTER TABLE') AND o.object_type = 'table'
           AND NOT interlock.installing() THEN
            -- a parent that just got a child (INHERITS, PARTITION OF, INHERIT, ATTACH PARTITION) moves to
            -- transition tables: its own counters don't see the child's rows
            PERFORM interlock.protect_table(i.inhparent::regclass) FROM pg_inherits i
              JOIN pg_trigger t ON t.tgrelid = i.inhparent AND t.tgname = 'interlock_guard_delete'
             WHERE i.inhrelid = o.objid AND (t.tgfoid IN ('interlock.count_delete'::regproc,
                                                           'interlock.check_rows_fast'::regproc)
                                              OR (t.tgfoid = coalesce(to_regprocedure('interlock.guard_rows()'), 0)
                                                  AND t.tgoldtable IS NULL));
        END IF;
    END LOOP;
    -- whatever the text said: the guard's triggers still fire, always (DISABLE / ENABLE REPLICA / renames)
    IF NOT interlock.installing() AND EXISTS (
            SELECT 1 FROM pg_trigger WHERE tgname LIKE 'interlock_guard%' AND tgenabled <> 'A'
            UNION ALL
            SELECT 1 FROM pg_trigger t WHERE t.tgfoid IN ('interlock.check_rows'::regproc,
                                                           'interlock.check_rows_fast'::regproc,
                                                           'interlock.count_delete'::regproc,
                                                           'interlock.count_update'::regproc,
                                                           'interlock.check_truncate'::regproc,
                                                           'interlock.count_insert'::regproc,
                                                           coalesce(to_regprocedure('interlock.guard_rows()'), 0))
                                          AND t.tgname NOT LIKE 'interlock_guard%') THEN
        IF NOT interlock.granted(TG_TAG) THEN
            PERFORM interlock.refuse(TG_TAG || ' refused', 'it turns the guard''s triggers off');
        END IF;
    END IF;
END $fn$;

DROP EVENT TRIGGER IF EXISTS interlock_guard_ddl;
DROP EVENT TRIGGER IF EXISTS interlock_guard_drop;
DROP EVENT TRIGGER IF EXISTS interlock_guard_new_tables;
CREATE EVENT TRIGGER interlock_guard_ddl ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'DROP OWNED', 'DROP TRIGGER', 'ALTER TRIGGER')
    EXECUTE FUNCTION interlock.on_ddl_start();
CREATE EVENT TRIGGER interlock_guard_drop ON sql_drop EXECUTE FUNCTION interlock.on_sql_drop();
CREATE EVENT TRIGGER interlock_guard_new_tables ON ddl_command_end EXECUTE FUNCTION interlock.on_ddl_end();
ALTER EVENT TRIGGER interlock_guard_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER interlock_guard_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER interlock_guard_new_tables ENABLE ALWAYS;
"""

# Nothing in the schema is anyone else's to call but interlock.over_limit, the slow path of the trigger
# functions that run as the caller (it judges the caller's own session's counters, nothing more).  Trigger and
# event-trigger functions need no EXECUTE of the session that fires them.
_PRIVILEGES = """
DO $do$
DECLARE
    f regprocedure;
BEGIN
    -- the functions this login owns (a superuser's extension's, where the login is not one, are closed already,
    -- and revoking on them would be an error)
    FOR f IN SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'interlock'::regnamespace
                                          AND pg_has_role(p.proowner, 'USAGE') LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $do$;
GRANT USAGE ON SCHEMA interlock TO PUBLIC;
GRANT EXECUTE ON FUNCTION interlock.over_limit(oid, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION interlock.budget_self(oid, text) TO PUBLIC;
"""

_TABLES = f"""
SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN {_SYSTEM_SCHEMAS}
   AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%'
   AND (pg_has_role(c.relowner, 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
 ORDER BY 1
"""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Report:
    def __init__(self):
        self.done: list[str] = []
        self.missing: list[str] = []

    def text(self) -> str:
        lines = [f"  installed: {d}" for d in self.done] + [f"  MISSING:   {m}" for m in self.missing]
        return "\n".join(lines)


def install(conn, agent_role=AGENT_ROLE, agent_password=None, max_rows=None, min_rows=None, max_percent=None,
            implementation="auto", budget=None) -> Report:
    """Install (or bring up to date) the guard on the database ``conn`` (psycopg, autocommit off).

    ``implementation``: ``c`` — the row-count triggers call the interlock_guard extension's C function (the
    extension must be installed on the server: ext/postgres, ``make install``; creating it needs a superuser),
    an error if it can't be created; ``plpgsql`` — the PL/pgSQL functions (the extension is dropped if it was
    there); ``auto`` — C when ``CREATE EXTENSION interlock_guard`` succeeds, else PL/pgSQL."""
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f"implementation: one of {', '.join(IMPLEMENTATIONS)}")
    rep = Report()
    cur = conn.cursor()
    superuser = cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    cur.execute("SET LOCAL interlock.installing = 'on'")
    cur.execute(_SCHEMA)
    settings = {"version": str(VERSION)}
    for k, v in (("max_rows", max_rows), ("min_rows", min_rows), ("max_percent", max_percent)):
        if v is not None:
            settings[k] = str(v)
    for k, v in (budget or {}).items():
        if v is not None:
            settings[k] = str(v)
    for k, v in settings.items():
        cur.execute("INSERT INTO interlock.settings VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                    "EXCLUDED.value", (k, v))
    # the budget across transactions is the agent role's unless the settings name other roles (or none: '')
    cur.execute("INSERT INTO interlock.settings VALUES ('budget_roles', %s) ON CONFLICT (key) DO NOTHING",
                (agent_role,))
    for k in ("budget_window", "budget_insert_window"):
        v = cur.execute("SELECT value FROM interlock.settings WHERE key = %s", (k,)).fetchone()
        if v is not None:
            cur.execute("SAVEPOINT iv")
            try:
                cur.execute("SELECT %s::interval", (v[0],))
                cur.execute("RELEASE SAVEPOINT iv")
            except Exception:  # noqa: BLE001 - said, and the install stops (every budgeted statement would fail)
                cur.execute("ROLLBACK TO SAVEPOINT iv")
                raise GuardError(f"interlock.settings {k} = {v[0]!r} is not an interval") from None
    rep.done.append(f"schema interlock (version {VERSION}): settings, single-use grants, trigger functions")
    rep.done.append(_budget_text(cur))
    _implementation(cur, implementation, rep)
    tables = [r[0] for r in cur.execute(_TABLES).fetchall()]
    skipped = []
    for t in tables:
        cur.execute("SAVEPOINT t")
        try:
            cur.execute("SELECT interlock.protect_table(%s::regclass)", (t,))
            cur.execute("RELEASE SAVEPOINT t")
        except Exception as e:  # noqa: BLE001 - not the owner: said, the rest goes on
            cur.execute("ROLLBACK TO SAVEPOINT t")
            skipped.append(f"{t} ({str(e).splitlines()[0][:80]})")
    rep.done.append(f"row-count and TRUNCATE triggers on {len(tables) - len(skipped)} table(s)")
    if skipped:
        rep.missing.append("triggers on tables this login does not own: " + ", ".join(skipped[:10]))
    if superuser:
        cur.execute(_EVENT)
        rep.done.append("event triggers: DROP / destructive ALTER refused without a grant; new tables guarded")
    else:
        rep.missing.append("event triggers (DROP TABLE / DROP COLUMN / ALTER ... TYPE ... USING refused, new tables "
                           "guarded): this login is not a superuser; rerun `interlock protect` after creating tables")
    cur.execute(_PRIVILEGES)
    _agent_role(cur, agent_role, agent_password, rep)
    conn.commit()
    return rep


def _implementation(cur, implementation, rep):
    """The C trigger function (the interlock_guard extension) or the PL/pgSQL ones; protect_table picks whichever
    is there.  Before the tables are protected, so every trigger is written for it."""
    have = cur.execute("SELECT extversion FROM pg_extension WHERE extname = %s", (EXTENSION,)).fetchone()
    if implementation == "plpgsql":
        if have:   # its triggers go with it; every table is protected again right after, in this transaction
            cur.execute(f"DROP EXTENSION {EXTENSION} CASCADE")
        rep.done.append("row-count triggers in PL/pgSQL (as asked)")
        return
    cur.execute("SAVEPOINT ext")
    try:
        if not have:
            cur.execute(f"CREATE EXTENSION {EXTENSION} SCHEMA interlock")
        ok_lib = False
        lib = cur.execute("SELECT interlock.guard_version()").fetchone()[0]   # the library loads
        if tuple(int(x) for x in lib.split(".")[:2]) < C_MIN:
            # an older build does not charge the budget across transactions: never used for it
            raise GuardError(f"its library is version {lib}, older than {'.'.join(map(str, C_MIN))} (which charges "
                             "the budget across transactions)")
        ok_lib = True
        cur.execute("RELEASE SAVEPOINT ext")
    except Exception as e:  # noqa: BLE001 - not on the server, or not a superuser: PL/pgSQL (or, asked for C, said)
        cur.execute("ROLLBACK TO SAVEPOINT ext")
        why = str(e).splitlines()[0][:160]
        if have and getattr(e, "sqlstate", None) == "42501":
            lib = have[0]   # created by a superuser, closed to this login: whether it may attach it, below
        elif implementation == "c":
            raise GuardError(f"the C trigger function: CREATE EXTENSION {EXTENSION} failed or its library does "
                             f"not load ({why}); build and "
                             "install ext/postgres on the server (make install, as root), then run this as a "
                             "superuser") from None
        elif have:   # created earlier, its library gone (a server upgraded without it): PL/pgSQL from now on
            cur.execute(f"DROP EXTENSION {EXTENSION} CASCADE")
            rep.done.append(f"row-count triggers in PL/pgSQL (the C extension {EXTENSION} was there but its "
                            f"library does not load: {why}; dropped)")
            return
        else:
            rep.done.append(f"row-count triggers in PL/pgSQL (the C extension {EXTENSION} could not be created: "
                            f"{why})")
            return
    if not cur.execute("SELECT has_function_privilege('interlock.guard_rows()', 'EXECUTE')").fetchone()[0]:
        who = cur.execute("SELECT current_user").fetchone()[0]
        why = (f"the C extension {EXTENSION} is there, but this login may not attach its function to triggers: as "
               f"a superuser, GRANT EXECUTE ON FUNCTION interlock.guard_rows() TO {_ident(who)}")
        if implementation == "c":
            raise GuardError(why)
        rep.done.append(f"row-count triggers in PL/pgSQL ({why})")
        return
    ext = cur.execute("SELECT extversion FROM pg_extension WHERE extname = %s", (EXTENSION,)).fetchone()
    rep.done.append(f"row-count triggers in C (extension {EXTENSION} {ext[0] if ext else lib})")
    if have and lib == have[0] and not ok_lib:
        rep.missing.append(f"the C library's version could not be read by this login: make sure ext/postgres "
                           f"{'.'.join(map(str, C_MIN))} or later is installed on the server (older builds do not "
                           "charge the budget across transactions)")


def _budget_text(cur) -> str:
    roles, rows, pct, window, ins = cur.execute(
        "SELECT array_to_string(interlock.budget_roles(), ', '), interlock.setting('budget_rows', "
        "interlock.setting('max_rows', 1000)), interlock.setting('budget_percent', interlock.setting('max_percent', "
        "20)), interlock.budget_window('DELETE')::text, interlock.budget_window('INSERT')::text").fetchone()
    if not roles:
        return "budget across transactions: no role is budgeted (interlock.settings budget_roles is empty)"
    return (f"budget across transactions for {roles}: {rows} rows or {pct:g}% of a table deleted / updated per "
            f"{window} (their own inserts of the last {ins} left out of the table's size)")


class GuardError(Exception):
    pass


def _agent_role(cur, role, password, rep):
    exists = cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    can = cur.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    r = _ident(role)
    if not exists:
        if not can:
            rep.missing.append(f"the agent role {role}: this login may not create roles")
            return
        cur.execute(f"CREATE ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
    if password is not None:
        from psycopg import sql

        cur.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
    db = cur.execute("SELECT current_database()").fetchone()[0]
    cur.execute(f"GRANT CONNECT ON DATABASE {_ident(db)} TO {r}")
    schemas = [x[0] for x in cur.execute(
        f"SELECT nspname FROM pg_namespace WHERE nspname NOT IN {_SYSTEM_SCHEMAS} AND nspname NOT LIKE 'pg_%' "
        "AND has_schema_privilege(nspname, 'USAGE')").fetchall()]
    for s in schemas:
        q = _ident(s)
        cur.execute(f"GRANT USAGE ON SCHEMA {q} TO {r}")
        cur.execute(f"REVOKE CREATE ON SCHEMA {q} FROM {r}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {q} TO {r}")
        cur.execute(f"REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA {q} FROM {r}")
        cur.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {q} TO {r}")
        owners = {x[0] for x in cur.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = "
            "c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'S')", (s,)).fetchall()}
        for owner in [None] + sorted(owners):
            who = f"FOR ROLE {_ident(owner)} " if owner else ""
            cur.execute("SAVEPOINT d")
            try:   # tables the owners create later are the agent's to use too
                cur.execute(f"ALTER DEFAULT PRIVILEGES {who}IN SCHEMA {q} GRANT SELECT, INSERT, UPDATE, DELETE "
                            f"ON TABLES TO {r}")
                cur.execute(f"ALTER DEFAULT PRIVILEGES {who}IN SCHEMA {q} GRANT USAGE, SELECT, UPDATE ON "
                            f"SEQUENCES TO {r}")
                cur.execute("RELEASE SAVEPOINT d")
            except Exception:  # noqa: BLE001 - not a member of that owner role
                cur.execute("ROLLBACK TO SAVEPOINT d")
    cur.execute(f"REVOKE ALL ON SCHEMA interlock FROM {r}")
    rep.done.append(f"agent role {role}: DML on the tables of {', '.join(schemas) or 'no schema'}; no ownership, "
                    "DDL, TRUNCATE or triggers")
    public_create = cur.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", (role,)).fetchone()
    if public_create and public_create[0]:
        rep.missing.append(f"{role} can still CREATE in schema public (granted to PUBLIC, PostgreSQL < 15): "
                           "REVOKE CREATE ON SCHEMA public FROM PUBLIC if nothing needs it")


def remove(conn) -> list[str]:
    """Take the guard out (triggers, event triggers, the interlock schema); the agent role stays."""
    cur = conn.cursor()
    cur.execute("SET LOCAL interlock.installing = 'on'")
    out = []
    for (ev,) in cur.execute("SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'interlock_guard%'").fetchall():
        cur.execute(f"DROP EVENT TRIGGER {_ident(ev)}")
        out.append(f"event trigger {ev}")
    rows = cur.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'interlock_guard%'"
                       ).fetchall()
    for rel, tg in rows:
        cur.execute(f"DROP TRIGGER IF EXISTS {_ident(tg)} ON {rel}")
    if rows:
        out.append(f"{len(rows)} trigger(s)")
    if cur.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (EXTENSION,)).fetchone():
        cur.execute(f"DROP EXTENSION {EXTENSION} CASCADE")
        out.append(f"extension {EXTENSION}")
    cur.execute("DROP SCHEMA IF EXISTS interlock CASCADE")
    out.append("schema interlock")
    conn.commit()
    return out


def status(conn, agent_role=AGENT_ROLE) -> Report:
    """What of the guard is in place on ``conn``'s database, and what is missing (for ``interlock doctor``)."""
    rep = Report()
    cur = conn.cursor()
    v = cur.execute("SELECT to_regclass('interlock.settings') IS NOT NULL").fetchone()[0]
    if not v:
        rep.missing.append("the guard is not installed (interlock protect postgres URL)")
        return rep
    ver = cur.execute("SELECT value FROM interlock.settings WHERE key = 'version'").fetchone()
    if ver is None or ver[0] != str(VERSION):
        rep.missing.append(f"the guard is version {ver[0] if ver else '?'}, not {VERSION}: rerun interlock protect")
    else:
        rep.done.append(f"guard version {VERSION}")
    unguarded = cur.execute(
        _TABLES.replace("ORDER BY 1", "") + " AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid "
        "AND t.tgname = 'interlock_guard_delete' AND t.tgenabled = 'A') ORDER BY 1").fetchall()
    if unguarded:
        rep.missing.append("tables without the guard's triggers: " + ", ".join(r[0] for r in unguarded[:10]))
    else:
        rep.done.append("every table has the guard's triggers")
    _status_implementation(cur, rep)
    _status_budget(cur, rep)
    # the fast path runs as the caller: every role needs EXECUTE on the flush it asks for (else every DELETE /
    # UPDATE fails — closed, but the application with it) and on interlock.over_limit
    bad = cur.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.oid IN (to_regprocedure('interlock.count_delete()'), "
        "to_regprocedure('interlock.count_update()')) AND NOT p.prosecdef "
        "AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid) AND NOT (SELECT f.proacl IS NULL OR EXISTS "
        "(SELECT 1 FROM aclexplode(f.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') FROM pg_proc f "
        "WHERE f.oid = to_regprocedure('pg_catalog.pg_stat_force_next_flush()'))").fetchall()
    if bad:
        rep.missing.append("EXECUTE on pg_stat_force_next_flush() was revoked from PUBLIC, which the guard's trigger "
                           "functions need (every DELETE / UPDATE fails): rerun interlock protect (it writes them "
                           "SECURITY DEFINER then)")
    evs = {r[0] for r in cur.execute("SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'interlock_guard%' "
                                     "AND evtenabled <> 'D'").fetchall()}
    if len(evs) < 3:
        rep.missing.append("event triggers (DROP / destructive ALTER): need a superuser login to install")
    else:
        rep.done.append("event triggers")
    role = cur.execute("SELECT rolsuper, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = %s",
                       (agent_role,)).fetchone()
    if role is None:
        rep.missing.append(f"the agent role {agent_role}")
    elif any(role):
        rep.missing.append(f"the agent role {agent_role} is privileged (superuser, createdb or bypassrls)")
    else:
        owns = cur.execute("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE "
                           "rolname = %s)", (agent_role,)).fetchone()[0]
        if owns:
            rep.missing.append(f"the agent role {agent_role} owns {owns} relation(s): it could drop or alter them")
        else:
            rep.done.append(f"agent role {agent_role} (owns nothing)")
    conn.rollback()
    return rep


def _status_budget(cur, rep):
    if cur.execute("SELECT to_regprocedure('interlock.budget_charge(oid, text, bigint, bigint)') IS NULL").fetchone()[0]:
        rep.missing.append("the budget across transactions (guard version 5): rerun interlock protect")
        return
    roles = cur.execute("SELECT interlock.budget_roles()").fetchone()[0]
    if not roles:
        rep.missing.append("the budget across transactions: no role is budgeted (interlock.settings budget_roles "
                           "is empty), so many small transactions add up to a wipe unasked")
        return
    known = {r[0] for r in cur.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s::name[])",
                                       (list(roles),)).fetchall()}
    if set(roles) - known:
        rep.missing.append("budgeted roles that do not exist: " + ", ".join(sorted(set(roles) - known)))
    unbudgeted = cur.execute(
        _TABLES.replace("ORDER BY 1", "") + " AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid "
        "AND t.tgname = 'interlock_guard_insert' AND t.tgenabled = 'A') ORDER BY 1").fetchall()
    if unbudgeted:
        rep.missing.append("tables without the budget's triggers: " + ", ".join(r[0] for r in unbudgeted[:10]))
    else:
        rep.done.append(_budget_text(cur))


def implementation_in_use(cur) -> str:
    """``c``, ``plpgsql`` or ``mixed``: what the guard's row-count triggers call."""
    c, total = cur.execute(
        "SELECT count(*) FILTER (WHERE tgfoid = coalesce(to_regprocedure('interlock.guard_rows()'), 0)), count(*) "
        "FROM pg_trigger WHERE tgname IN ('interlock_guard_delete', 'interlock_guard_update')").fetchone()
    return "c" if c and c == total else "plpgsql" if not c else "mixed"


def _status_implementation(cur, rep):
    used = implementation_in_use(cur)
    ext = cur.execute("SELECT extversion FROM pg_extension WHERE extname = %s", (EXTENSION,)).fetchone()
    if ext:
        cur.execute("SAVEPOINT lib")
        try:
            cur.execute("SELECT interlock.guard_version()")
            cur.execute("RELEASE SAVEPOINT lib")
        except Exception as e:  # noqa: BLE001 - every DELETE / UPDATE fails (closed): said
            cur.execute("ROLLBACK TO SAVEPOINT lib")
            if getattr(e, "sqlstate", None) != "42501":   # (a login that may not call it learns nothing)
                rep.missing.append(f"the C extension {EXTENSION} is created but its library does not load "
                                   f"({str(e).splitlines()[0][:160]}): every DELETE / UPDATE on a guarded table "
                                   "fails; install ext/postgres on the server (make install) or rerun interlock "
                                   "protect --implementation plpgsql")
                return
    if used == "c":
        rep.done.append(f"row-count triggers in C (extension {EXTENSION} {ext[0] if ext else '?'})")
    elif used == "mixed":
        rep.missing.append("row-count triggers partly in C, partly in PL/pgSQL: rerun interlock protect")
    else:
        avail = cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (EXTENSION,)).fetchone()
        rep.done.append("row-count triggers in PL/pgSQL (" + (
            f"the C extension {EXTENSION} is on the server: interlock protect as a superuser uses it"
            if avail else f"the C extension {EXTENSION}, about a third of their cost, is not installed on the "
                          "server: ext/postgres, make install") + ")")


def new_bound_grant(conn, approval_id: str, statement_text: str) -> str:
    """A single-use grant for a prepared statement's execution (the extended protocol): bound to the hash of
    the statement's text as parsed (``current_query()`` of its Execute), returned as the value the gateway sets
    in ``interlock.grant`` just before that Execute, on the same connection."""
    token = secrets.token_hex(16)
    conn.execute("INSERT INTO interlock.grants (approval_id, token_sha256, statement_sha256) VALUES (%s, %s, %s) "
                 "ON CONFLICT (approval_id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, "
                 "statement_sha256 = EXCLUDED.statement_sha256, used_at = NULL, used_xid = NULL, used_stmt = NULL, "
                 "expires = now() + interval '10 minutes'",
                 (approval_id, hashlib.sha256(token.encode()).hexdigest(),
                  hashlib.sha256(statement_text.encode()).hexdigest()))
    conn.commit()
    return f"{approval_id}:{token}"


def new_grant(conn, approval_id: str, statement_text_for) -> str:
    """Write a single-use grant for ``approval_id`` (Interlock's privileged connection ``conn``) and return the
    text to send: ``statement_text_for(setting)`` builds it around ``SET LOCAL interlock.grant = '...'`` so the
    grant is bound to the hash of exactly that text."""
    token = secrets.token_hex(16)
    setting = f"SET LOCAL interlock.\"grant\" = '{approval_id}:{token}'"
    text = statement_text_for(setting)
    conn.execute("INSERT INTO interlock.grants (approval_id, token_sha256, statement_sha256) VALUES (%s, %s, %s) "
                 "ON CONFLICT (approval_id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, "
                 "statement_sha256 = EXCLUDED.statement_sha256, used_at = NULL, used_xid = NULL, used_stmt = NULL, "
                 "expires = now() + interval '10 minutes'",
                 (approval_id, hashlib.sha256(token.encode()).hexdigest(), hashlib.sha256(text.encode()).hexdigest()))
    conn.commit()
    return text


# --- the command --------------------------------------------------------------------------------------

def add_parser(sub):
    p = sub.add_parser("protect", help="install the guard inside a database: interlock protect postgres URL "
                                       "[--remove]")
    p.add_argument("kind", choices=["postgres"])
    p.add_argument("url", help="postgresql://OWNER[:PASSWORD]@HOST:PORT/DB (a superuser installs everything; the "
                               "password may come from PGPASSWORD or --password-vault)")
    p.add_argument("--remove", action="store_true", help="take the guard out")
    p.add_argument("--check", action="store_true", help="only say what is installed and what is missing")
    p.add_argument("--password-vault", default=None, help="the login's password from this vault entry")
    p.add_argument("--agent-role", default=AGENT_ROLE)
    p.add_argument("--implementation", choices=IMPLEMENTATIONS, default="auto",
                   help="the row-count triggers' function: c (the interlock_guard extension, ext/postgres, must be "
                        "installed on the server; a superuser creates it), plpgsql, or auto (c when it can be "
                        "created; default)")
    p.add_argument("--agent-password-vault", default=None, help="set the agent role's password from this vault entry")
    p.add_argument("--max-rows", type=int, default=None, help="rows one DELETE/UPDATE may touch (default 1000)")
    p.add_argument("--min-rows", type=int, default=None, help="below this many rows the percentage is not "
                                                              "checked (default 10)")
    p.add_argument("--max-percent", type=float, default=None, help="percent of a table one DELETE/UPDATE may "
                                                                   "touch (default 20)")
    p.add_argument("--budget-rows", type=int, default=None, help="rows of a table the budgeted roles (the agent "
                   "role) may delete / update per window, across transactions (default: --max-rows)")
    p.add_argument("--budget-percent", type=float, default=None, help="percent of a table's baseline they may "
                   "delete / update per window (default: --max-percent)")
    p.add_argument("--budget-window", default=None, help="the budget's window, a PostgreSQL interval (default "
                                                          "'1 hour')")
    p.add_argument("--budget-roles", default=None, help="comma-separated login roles whose sessions are budgeted "
                                                         "(default: the agent role; '' for none)")
    p.set_defaults(func=cmd_protect)


def cmd_protect(args) -> int:
    import os

    from ..redact import redact

    try:
        import psycopg
    except ImportError:
        print("interlock protect needs psycopg: pip install 'psycopg[binary]'", file=sys.stderr)
        return 1
    env = dict(os.environ)
    kw = {}
    if args.password_vault:
        from ..vault import Vault

        pw = Vault(env).get(args.password_vault)
        if not pw:
            print(f"interlock protect: no vault entry {args.password_vault!r}", file=sys.stderr)
            return 1
        kw["password"] = pw
    agent_pw = None
    if args.agent_password_vault:
        from ..vault import Vault

        agent_pw = Vault(env).get(args.agent_password_vault)
    try:
        with psycopg.connect(args.url, connect_timeout=15, **kw) as conn:
            if args.check:
                rep = status(conn, args.agent_role)
                print(f"interlock guard on {redact(args.url)}:\n{rep.text()}")
                return 1 if rep.missing else 0
            if args.remove:
                gone = remove(conn)
                print(f"interlock guard removed from {redact(args.url)}: {', '.join(gone)} (the role "
                      f"{args.agent_role} stays)")
                return 0
            rep = install(conn, args.agent_role, agent_pw, args.max_rows, args.min_rows, args.max_percent,
                          args.implementation, budget={"budget_rows": args.budget_rows,
                                                       "budget_percent": args.budget_percent,
                                                       "budget_window": args.budget_window,
                                                       "budget_roles": args.budget_roles})
    except GuardError as e:
        print(f"interlock protect: {redact(str(e))}", file=sys.stderr)
        return 1
    except psycopg.Error as e:
        print(f"interlock protect: {redact(str(e)).strip()[:500]}", file=sys.stderr)
        return 1
    print(f"interlock guard on {redact(args.url)}:\n{rep.text()}")
    return 0


# --- interlock doctor ---------------------------------------------------------------------------------------

def doctor_checks(root, env, add, ok="ok", warn="warn", info="info"):
    """For each ``[databases.NAME]`` with a ``guard_url``: what of the guard is installed, what is missing; and
    for every PostgreSQL database: whether the login restores use may create the scratch database a restore
    goes through first (CREATEDB)."""
    try:
        import psycopg
    except ImportError:
        return
    from ..engine import Context
    from . import connect as C
    from ..redact import redact

    try:
        sections = C.policy_sections(Context(root, env=env).policy)
    except Exception:  # noqa: BLE001 - the policy check reports it
        return
    for name, sec in sections.items():
        url = sec.get("url") or ""
        if not url.startswith(("postgres://", "postgresql://")):
            continue

        def password(key):
            entry = sec.get(key)
            if not entry:
                return {}
            from ..vault import Vault

            v = Vault(env).get(entry)
            return {"password": v} if v else {}
        # (restore's CREATEDB need is doctor's own check, doctor._restore_privilege_checks)
        if not sec.get("guard_url"):
            add(info, f"database {name}: no in-database guard configured",
                "", f"interlock protect postgres URL, then guard_url in [databases.{name}]")
            continue
        try:
            with psycopg.connect(sec["guard_url"], connect_timeout=3, **password("guard_password_vault")) as conn:
                rep = status(conn)
        except Exception as e:  # noqa: BLE001
            add(warn, f"database {name}: the guard's login does not connect", redact(str(e)).splitlines()[0][:200])
            continue
        if rep.missing:
            add(warn, f"database {name}: the in-database guard is incomplete", "; ".join(rep.missing),
                "interlock protect postgres GUARD_URL (as a superuser for everything)")
        else:
            add(ok, f"database {name}: in-database guard installed", "; ".join(rep.done))
