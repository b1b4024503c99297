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
 * Fail closed: anything unexpected (not called as an AFTER statement trigger on DELETE / UPDATE, a missing or
 * bad floor, the judge not found) raises an error, which aborts the statement.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/tuplestore.h"

PG_MODULE_MAGIC;

#define INTERLOCK_GUARD_VERSION "1.0"

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

Datum
interlock_guard_rows(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	Oid			rel;
	bool		del;
	int64		n;
	int64		floor;
	Datum		op;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("interlock_guard_rows: not called as a trigger")));
	td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("interlock_guard_rows: must be an AFTER ... FOR EACH STATEMENT trigger")));
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		del = true;
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		del = false;
	else
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("interlock_guard_rows: only for DELETE and UPDATE")));
	rel = RelationGetRelid(td->tg_relation);
	floor = floor_arg(td);

	if (td->tg_trigger->tgoldtable != NULL)
	{
		/* a table with children: the statement's rows, whichever child they live in */
		if (td->tg_oldtable == NULL)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("interlock_guard_rows: no transition table")));
		n = tuplestore_tuple_count(td->tg_oldtable);
		if (n < floor)
			return PointerGetDatum(NULL);
		op = CStringGetTextDatum(del ? "DELETE" : "UPDATE");
		OidFunctionCall3(judge("check_rows_over", 3), ObjectIdGetDatum(rel), op, Int64GetDatum(n));
		return PointerGetDatum(NULL);
	}
#if PG_VERSION_NUM >= 150000
	pgstat_force_next_flush();
#else
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					errmsg("interlock_guard_rows: per-transaction counters need PostgreSQL 15")));
#endif
	n = DatumGetInt64(DirectFunctionCall1(del ? pg_stat_get_xact_tuples_deleted : pg_stat_get_xact_tuples_updated,
										  ObjectIdGetDatum(rel)));
	if (n < floor)
		return PointerGetDatum(NULL);
	op = CStringGetTextDatum(del ? "DELETE" : "UPDATE");
	OidFunctionCall3(judge("check_rows_xact", 3), ObjectIdGetDatum(rel), op, Int64GetDatum(n));
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
