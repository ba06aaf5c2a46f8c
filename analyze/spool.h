/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyses' copy of an import's events. While the importer stores a trace, it hands every
 * event of a class some analysis subscribes to (only the fields subscribed) to a spool: an
 * anonymous file beside the database (O_TMPFILE: no name, gone when closed or killed). The
 * analyses then read the spool instead of reading the event rows back from SQLite, which was a
 * quarter of their time (docs/PERFORMANCE.md).
 *
 * The handlers must see what the tables would give them. A value SQLite would convert on insert
 * (a column's type affinity: text into an INTEGER column, an integer into a REAL one) makes the
 * spool unusable; so does a failed write. Then nt_spool_usable() is false and the analyses read
 * the tables, as `nettrail analyze` always does.
 */
#ifndef NT_SPOOL_H
#define NT_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/event.h"

struct nt_spool;

/*
 * A new, empty spool in directory @dir (the database's: where the import already writes, not
 * /tmp, which may be memory); NULL when no anonymous file can be made there (the analyses then
 * read the tables).
 */
struct nt_spool *nt_spool_open(const char *dir);

/* Does some analysis read events of class @cls (canonical name, "net:net_dev_xmit")? */
bool nt_spool_subscribed(const char *cls);

/*
 * Reader class @id is (again) @cls (event_classes.id @cid) with @nf columns @cols, whose declared SQL types are @decl
 * ("INTEGER", "TEXT", "REAL", "BLOB" or ""; NULL entries: not read). Events of @id sent after
 * this have these fields. Returns -1 when out of memory (the spool becomes unusable).
 */
int nt_spool_class(struct nt_spool *sp, uint32_t id, const char *cls, int64_t cid, uint32_t nf,
		   char *const *cols, const char *const *decl);

/* Is reader class @id spooled (some analysis subscribes to it)? */
bool nt_spool_wants(const struct nt_spool *sp, uint32_t id);

/* Event of reader class @id, stored at @rowid, with its @n field values. */
void nt_spool_event(struct nt_spool *sp, uint32_t id, int64_t rowid, int64_t ts, int cpu, int pid,
		    int64_t task, const struct nt_val *vals, uint32_t n);

/*
 * Task @id (its tasks.id) is @comm (@n bytes): a record of its own, before the events of the
 * task, for the analyses' side database (side.h).
 */
void nt_spool_task(struct nt_spool *sp, int64_t id, const char *comm, uint32_t n);

/* Can the analyses read this spool (every write succeeded, no value converted)? */
bool nt_spool_usable(const struct nt_spool *sp);

/* Events spooled. */
uint64_t nt_spool_events(const struct nt_spool *sp);

void nt_spool_close(struct nt_spool *sp);

/*
 * Nothing reads @sp again (the analyses followed the import to its end): its file goes now, on
 * a thread of its own, while the import ends; nt_spool_close() waits for it. Freeing a large
 * file's pages takes a while (45 ms for the 450 MB of a 5.6 M-event perf.data). Accepts NULL.
 */
void nt_spool_drop(struct nt_spool *sp);

/* ---- for the analysis driver ---- */

/* A field value as read back. */
struct nt_spool_val {
	int type;      /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL */
	int n;	       /* bytes of text or blob */
	int64_t i;     /* SQLITE_INTEGER */
	double r;      /* SQLITE_FLOAT */
	const char *s; /* text or blob, NUL-terminated (weak: until the next record) */
	char num[32];  /* a number as text, when a handler asks for it so */
};

/* The class version of a task record (nt_spool_task): its task, its one value the comm. */
#define NT_SPOOL_TASK UINT32_MAX

/* A record read back (weak: until the next call). */
struct nt_spool_rec {
	int64_t rowid, ts, task;
	int cpu, pid;
	uint32_t ver; /* the class version: nt_spool_ver() */
	uint32_t nvals;
	struct nt_spool_val *vals;
};

/*
 * The writer is done: write and publish what is held; a reader that follows reads to the end,
 * then sees the end. Accepts NULL.
 */
void nt_spool_finish(struct nt_spool *sp);

/* Start reading from the first record, once all is written (nt_spool_finish: done here). -1
 * on an I/O error or an unusable spool. */
int nt_spool_rewind(struct nt_spool *sp);

/*
 * Start reading from the first record while the writer goes on (from another thread): a
 * record not yet published is waited for, until nt_spool_finish() (then the end) or
 * nt_spool_abort() (then nt_spool_next() fails).
 */
void nt_spool_follow(struct nt_spool *sp);

/* Make a reader that follows stop waiting: its nt_spool_next() fails. */
void nt_spool_abort(struct nt_spool *sp);

/* The next record: 1, 0 at the end, -1 on an I/O error or a bad record. */
int nt_spool_next(struct nt_spool *sp, struct nt_spool_rec *r);

/* Class version @ver: its canonical name (one pointer per name), class id, fields (names). */
const char *nt_spool_ver(struct nt_spool *sp, uint32_t ver, int64_t *cid, uint32_t *nfields,
			 const char *const **fields);

/* Versions defined so far. */
uint32_t nt_spool_nvers(struct nt_spool *sp);

#endif
