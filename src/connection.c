/*
 * connection.c
 *		Per-user-mapping connection state, cached for the life of the backend
 *		and invalidated when the server or user mapping changes.
 *
 * The HTTP connections themselves are pooled by the transport (http.c);
 * what is cached here is what a user mapping decides: the access token,
 * or the OAuth credentials from which the transport obtains access tokens
 * (oauth.c).
 */
#include "postgres.h"

#include "catalog.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

/* A user mapping's entry in the cache: its current credentials. */
typedef struct HsConnectionEntry
{
	Oid			umid;			/* hash key: user mapping OID */
	bool		invalidated;	/* the server or mapping changed since */
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
	HsConnection *conn;			/* NULL until built */
} HsConnectionEntry;

static HTAB *hs_connections = NULL;

/* Credentials replaced during this transaction, wiped at its end. */
static List *hs_retired = NIL;

/* Syscache callback: mark entries of a changed server or mapping stale. */
static void
hs_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	HsConnectionEntry *entry;

	hash_seq_init(&scan, hs_connections);
	while ((entry = (HsConnectionEntry *) hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hashvalue == hashvalue))
			entry->invalidated = true;
	}
}

/* Wipe and free one secret. */
static void
hs_forget_secret(char *secret)
{
	if (secret)
	{
		explicit_bzero(secret, strlen(secret));
		pfree(secret);
	}
}

/* Wipe and free credentials nobody uses any more. */
static void
hs_connection_free(HsConnection *conn)
{
	hs_forget_secret(conn->token);
	hs_forget_secret(conn->client_id);
	hs_forget_secret(conn->client_secret);
	hs_forget_secret(conn->refresh_token);
	pfree(conn);
}

/*
 * End of a transaction: wipe the credentials replaced during it, and those
 * of mappings changed or dropped since they were last used. Nothing
 * uses them any more: scans and writes end with their statement, held
 * cursors are materialized at commit, and work deferred to commit is sent
 * before this.
 */
void
hs_connection_end_xact(void)
{
	ListCell   *lc;

	/* a changed or dropped mapping's credentials are not kept either */
	if (hs_connections != NULL)
	{
		HASH_SEQ_STATUS scan;
		HsConnectionEntry *entry;

		hash_seq_init(&scan, hs_connections);
		while ((entry = (HsConnectionEntry *) hash_seq_search(&scan)) != NULL)
		{
			if (entry->invalidated && entry->conn != NULL)
			{
				hs_retired = lappend(hs_retired, entry->conn);
				entry->conn = NULL;
			}
		}
	}
	foreach(lc, hs_retired)
		hs_connection_free((HsConnection *) lfirst(lc));
	list_free(hs_retired);
	hs_retired = NIL;
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
 * Build the credentials of a user mapping from its options, or raise if
 * it has none that can be used. Nothing is allocated before the check.
 */
static HsConnection *
hs_connection_build(ForeignServer *server, UserMapping *user)
{
	HsConnection *conn;
	ListCell   *lc;
	char	   *token = NULL;
	char	   *client_id = NULL;
	char	   *client_secret = NULL;
	char	   *refresh_token = NULL;

	foreach(lc, user->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "access_token") == 0)
			token = defGetString(def);
		else if (strcmp(def->defname, "client_id") == 0)
			client_id = defGetString(def);
		else if (strcmp(def->defname, "client_secret") == 0)
			client_secret = defGetString(def);
		else if (strcmp(def->defname, "refresh_token") == 0)
			refresh_token = defGetString(def);
	}
	/* the validator accepts all three OAuth options or none, never with a token */
	if (token == NULL && (client_id == NULL || client_secret == NULL || refresh_token == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("user mapping for server \"%s\" has no access_token",
						server->servername),
				 errhint("Use ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD access_token '...'), or add client_id, client_secret and refresh_token to obtain access tokens by OAuth.",
						 quote_identifier(server->servername))));

	conn = MemoryContextAllocZero(CacheMemoryContext, sizeof(HsConnection));
	conn->umid = user->umid;
	if (token != NULL)
		conn->token = MemoryContextStrdup(CacheMemoryContext, token);
	else
	{
		conn->client_id = MemoryContextStrdup(CacheMemoryContext, client_id);
		conn->client_secret = MemoryContextStrdup(CacheMemoryContext, client_secret);
		conn->refresh_token = MemoryContextStrdup(CacheMemoryContext, refresh_token);
	}
	return conn;
}

/*
 * The credentials for a server and user mapping, (re)built from the
 * mapping's options when new or invalidated. Credentials already handed
 * out stay valid until the end of the transaction, even when they are
 * replaced or the mapping has lost them: a scan in progress keeps the
 * credentials it began with.
 */
HsConnection *
hs_get_connection(ForeignServer *server, UserMapping *user)
{
	HsConnectionEntry *entry;
	HsConnection *conn;
	bool		found;

	if (hs_connections == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(HsConnectionEntry);
		hs_connections = hash_create("hubspot_fdw connections", 8, &ctl,
									 HASH_ELEM | HASH_BLOBS);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, hs_inval_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, hs_inval_callback, (Datum) 0);
	}

	hs_check_token_owner(server, user);
	entry = hash_search(hs_connections, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->conn = NULL;
		entry->invalidated = true;
	}
	if (!entry->invalidated && entry->conn != NULL)
		return entry->conn;

	/* raises, leaving the entry as it was, when the mapping has no credentials */
	conn = hs_connection_build(server, user);
	if (entry->conn != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		hs_retired = lappend(hs_retired, entry->conn);
		MemoryContextSwitchTo(old);
	}
	entry->conn = conn;
	entry->invalidated = false;
	entry->server_hashvalue = GetSysCacheHashValue1(FOREIGNSERVEROID,
													ObjectIdGetDatum(server->serverid));
	entry->mapping_hashvalue = GetSysCacheHashValue1(USERMAPPINGOID,
													 ObjectIdGetDatum(user->umid));
	return conn;
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
 * The hubspot_fdw server "name" and the current user's mapping for it, for
 * the SQL functions that take a server's name: the checks a foreign table
 * gets, that it is a hubspot_fdw server, that the user has USAGE on it and
 * a user mapping for it.
 */
ForeignServer *
hs_function_server(const char *name, UserMapping **user)
{
	ForeignServer *server = GetForeignServerByName(name, false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	Oid			userid = GetUserId();
	AclResult	aclresult;

	if (!hs_is_hubspot_wrapper(fdw))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not a hubspot_fdw server", name),
				 errdetail("Its foreign-data wrapper \"%s\" is not handled by hubspot_fdw.",
						   fdw->fdwname)));
	aclresult = hs_foreign_server_aclcheck(server->serverid, userid, ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	*user = hs_user_mapping(server, userid);
	return server;
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
