/*
 * connection.c
 *		Per-user-mapping connection state, cached for the life of the backend
 *		and invalidated when the server or user mapping changes.
 *
 * The HTTP connections themselves are pooled by the transport (http.c);
 * what is cached here is what a user mapping decides: the access token.
 */
#include "postgres.h"

#include "catalog.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

static HTAB *hs_connections = NULL;

/* Syscache callback: mark entries of a changed server or mapping stale. */
static void
hs_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	HsConnection *entry;

	hash_seq_init(&scan, hs_connections);
	while ((entry = (HsConnection *) hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hashvalue == hashvalue))
			entry->invalidated = true;
	}
}

/* Forget the token of a stale entry, wiping it from memory. */
static void
hs_connection_reset(HsConnection *entry)
{
	if (entry->token)
	{
		explicit_bzero(entry->token, strlen(entry->token));
		pfree(entry->token);
	}
	entry->token = NULL;
	entry->invalidated = false;
}

/*
 * Refuse a PUBLIC user mapping to a non-superuser: its token belongs to
 * whoever created it, and non-superusers must use their own.
 */
static void
hs_check_token_owner(ForeignServer *server, UserMapping *user)
{
	HeapTuple	tup;
	Oid			umuser;

	if (superuser_arg(user->userid))
		return;
	tup = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(user->umid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for user mapping %u", user->umid);
	umuser = ((Form_pg_user_mapping) GETSTRUCT(tup))->umuser;
	ReleaseSysCache(tup);
	if (!OidIsValid(umuser))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("non-superuser cannot use the PUBLIC user mapping of server \"%s\"",
						server->servername),
				 errdetail("A HubSpot access token is a personal secret; only superusers may share one through a PUBLIC user mapping."),
				 errhint("Create a user mapping for your own role with your own access_token.")));
}

/*
 * The connection for a server and user mapping, (re)built from the
 * mapping's options when new or invalidated.
 */
HsConnection *
hs_get_connection(ForeignServer *server, UserMapping *user)
{
	HsConnection *entry;
	bool		found;
	ListCell   *lc;
	char	   *token = NULL;

	if (hs_connections == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(HsConnection);
		hs_connections = hash_create("hubspot_fdw connections", 8, &ctl,
									 HASH_ELEM | HASH_BLOBS);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, hs_inval_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, hs_inval_callback, (Datum) 0);
	}

	hs_check_token_owner(server, user);
	entry = hash_search(hs_connections, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->token = NULL;
		entry->invalidated = true;
	}
	if (!entry->invalidated && entry->token != NULL)
		return entry;

	hs_connection_reset(entry);
	foreach(lc, user->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "access_token") == 0)
			token = defGetString(def);
	}
	if (token == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("user mapping for server \"%s\" has no access_token",
						server->servername),
				 errhint("Use ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD access_token '...').",
						 quote_identifier(server->servername))));

	entry->token = MemoryContextStrdup(CacheMemoryContext, token);
	entry->server_hashvalue = GetSysCacheHashValue1(FOREIGNSERVEROID,
													ObjectIdGetDatum(server->serverid));
	entry->mapping_hashvalue = GetSysCacheHashValue1(USERMAPPINGOID,
													 ObjectIdGetDatum(user->umid));
	return entry;
}

/* The connection a foreign table uses for "userid" (its user mapping). */
HsConnection *
hs_connection_for_table(Oid foreigntableid, Oid userid)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ForeignServer *server = GetForeignServer(table->serverid);

	return hs_get_connection(server, hs_user_mapping(server, userid));
}

/*
 * The user mapping of "userid" (or PUBLIC's) for "server". Its absence is
 * reported here rather than by GetUserMapping(), whose text differs between
 * PostgreSQL versions and says nothing of how to make one.
 */
UserMapping *
hs_user_mapping(ForeignServer *server, Oid userid)
{
	if (!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							   ObjectIdGetDatum(server->serverid)) &&
		!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							   ObjectIdGetDatum(server->serverid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("user mapping not found for user \"%s\" and server \"%s\"",
						GetUserNameFromId(userid, false), server->servername),
				 errhint("Use CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (access_token '...').",
						 quote_identifier(server->servername))));
	return GetUserMapping(userid, server->serverid);
}
