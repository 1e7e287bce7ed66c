/* migrations - the database schema as an ordered list of versioned
 * migrations compiled into the binary.
 *
 * A migration is a version number (1, 2, 3, ... without gaps), a short name
 * and a NULL-terminated list of SQL statements, run in order. Statements are
 * constants: they never contain values. MariaDB commits DDL implicitly, so a
 * migration is not atomic; every statement is written so that running it
 * again after a crash half-way is harmless (IF NOT EXISTS and the like).
 * Published migrations are never edited: a change is a new migration.
 *
 * The store (store_migrate) applies the pending ones and records each in
 * the schema_migrations table. Everything here is immutable static data,
 * safe to read from any thread. */
#ifndef COMPLAINTD_MIGRATIONS_H
#define COMPLAINTD_MIGRATIONS_H

struct migration {
	int version;
	const char *name;
	const char *const *statements; /* NULL-terminated */
};

/* migrations_list - all migrations, ascending by version; *n gets the count. */
const struct migration *migrations_list(unsigned *n);

/* migrations_latest - the highest version this binary knows. */
int migrations_latest(void);

/* The statement that creates the bookkeeping table itself; run before
 * anything else (idempotent). */
extern const char migrations_bootstrap_sql[];

#endif
