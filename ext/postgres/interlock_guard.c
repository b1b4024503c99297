/*
 * interlock_guard: the in-database guard's row-count trigger function in C.
 *
 * It does what the PL/pgSQL fast path does (src/interlock/safeguards/pgguard.py), without the PL/pgSQL
 * interpreter's cost on every DELETE / UPDATE statement:
 *
 *   - a table without children: the session's per-transaction counters of the table
 *     (pg_stat_get_xact_tuples_deleted / _updated, rows of rolled-back savepoints included), after asking for a
 *     flush of the session's statistics when it next goes idle (so they start at zero with each transaction);
 *   - a table with children (the trigger declares REFERENCING OLD TABLE): the rows of the statement's
 *     transition table.
 *
 * Below the floor (the trigger's first argument: least(min_rows, max_rows + 1), under which nothing is ever
 * refused) it returns; at or past it, it hands the count to the same PL/pgSQL judge the PL/pgSQL triggers call
 * (interlock.check_rows_xact / interlock.check_rows_over: the limits, the table's size, the grant and its
 * single use, the error and its SQLSTATE), so both implementations refuse and allow exactly the same.
 *
 * The budget across transactions (version 1.1): the trigger's further arguments are the budgeted roles' names; in
 * a session whose login is one of them, every DELETE, UPDATE and INSERT (its count: the transaction's so far, or the
 * statement's transition table) goes to interlock.budget_xact / budget_stmt (PL/pgSQL), which charges it and
 * refuses past the budget.  Other sessions pay one string comparison per argument.
 *
 * Fail closed: anything unexpected (not called as an AFTER statement trigger on DELETE / UPDATE, a missing or
 * bad floor, the judge not found) raises an error, which aborts the statement.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/tuplestore.h"

PG_MODULE_MAGIC;

#define INTERLOCK_GUARD_VERSION "1.1"

PG_FUNCTION_INFO_V1(interlock_guard_rows);
PG_FUNCTION_INFO_V1(interlock_guard_noop);

static Oid
judge(const char *name, int nargs)
{
	Oid			types[3] = {OIDOID, TEXTOID, INT8OID};
	List	   *qn = list_make2(makeString(pstrdup("interlock")), makeString(pstrdup(name)));

	/* missing_ok = false: no judge, no statement */
	return LookupFuncName(qn, nargs, types, false);
}

static int64
floor_arg(TriggerData *td)
{
	const char *s;
	char	   *end;
	long long	v;

	if (td->tg_trigger->tgnargs < 1)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("Interlock guard: trigger %s has no row floor", td->tg_trigger->tgname)));
	s = td->tg_trigger->tgargs[0];
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("Interlock guard: trigger %s has a bad row floor", td->tg_trigger->tgname)));
	return (int64) v;
}

/* the session's login is one of the budgeted roles (the trigger's arguments after the floor: their names; a role
 * created after the trigger counts as soon as it exists).  The login's name is looked up once per login. */
static bool
budgeted(TriggerData *td)
{
	static Oid	cached = InvalidOid;
	static char name[NAMEDATALEN];
	Oid			me;
	int			i;

	if (td->tg_trigger->tgnargs < 2)
		return false;
	me = GetSessionUserId();
	if (me != cached)
	{
		strlcpy(name, GetUserNameFromId(me, false), NAMEDATALEN);
		cached = me;
	}
	for (i = 1; i < td->tg_trigger->tgnargs; i++)
		if (strcmp(td->tg_trigger->tgargs[i], name) == 0)
			return true;
	return false;
}

Datum
interlock_guard_rows(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	Oid			rel;
	const char *opname;
	int64		n;
	int64		floor;
	bool		budget;
	bool		counted;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("interlock_guard_rows: not called as a trigger")));
	td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("interlock_guard_rows: must be an AFTER ... FOR EACH STATEMENT trigger")));
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		opname = "DELETE";
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		opname = "UPDATE";
	else if (TRIGGER_FIRED_BY_INSERT(td->tg_event) && td->tg_trigger->tgnargs >= 2)
		opname = "INSERT";		/* charges the budgeted roles' inserts: only with roles to charge */
	else
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("interlock_guard_rows: only for DELETE and UPDATE (and INSERT with budgeted roles)")));
	rel = RelationGetRelid(td->tg_relation);
	floor = floor_arg(td);
	budget = budgeted(td);
	/* an INSERT trigger only charges the budgeted roles' inserts (their rows are left out of a table's baseline) */
	if (opname[0] == 'I' && !budget)
		return PointerGetDatum(NULL);

	counted = (opname[0] == 'I') ? td->tg_trigger->tgnewtable == NULL : td->tg_trigger->tgoldtable == NULL;
	if (!counted)
	{
		/* a table with children: the statement's rows, whichever child they live in */
		Tuplestorestate *ts = (opname[0] == 'I') ? td->tg_newtable : td->tg_oldtable;

		if (ts == NULL)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("interlock_guard_rows: no transition table")));
		n = tuplestore_tuple_count(ts);
		if (n >= floor && opname[0] != 'I')
			OidFunctionCall3(judge("check_rows_over", 3), ObjectIdGetDatum(rel), CStringGetTextDatum(opname),
							 Int64GetDatum(n));
		if (budget)
			OidFunctionCall3(judge("budget_stmt", 3), ObjectIdGetDatum(rel), CStringGetTextDatum(opname),
							 Int64GetDatum(n));
		return PointerGetDatum(NULL);
	}
#if PG_VERSION_NUM >= 150000
	pgstat_force_next_flush();
#else
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					errmsg("interlock_guard_rows: per-transaction counters need PostgreSQL 15")));
#endif
	n = DatumGetInt64(DirectFunctionCall1(opname[0] == 'D' ? pg_stat_get_xact_tuples_deleted :
										  opname[0] == 'U' ? pg_stat_get_xact_tuples_updated :
										  pg_stat_get_xact_tuples_inserted, ObjectIdGetDatum(rel)));
	if (n >= floor && opname[0] != 'I')
		OidFunctionCall3(judge("check_rows_xact", 3), ObjectIdGetDatum(rel), CStringGetTextDatum(opname),
						 Int64GetDatum(n));
	if (budget)
		OidFunctionCall3(judge("budget_xact", 3), ObjectIdGetDatum(rel), CStringGetTextDatum(opname),
						 Int64GetDatum(n));
	return PointerGetDatum(NULL);
}

/* for the bench only: a trigger that does nothing (the cost of the trigger machinery itself) */
Datum
interlock_guard_noop(PG_FUNCTION_ARGS)
{
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(interlock_guard_version);

/* the library's version: calling it loads the library (interlock protect --check asks) */
Datum
interlock_guard_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(INTERLOCK_GUARD_VERSION));
}
