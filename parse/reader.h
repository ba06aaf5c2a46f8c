/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace readers. Each format is one method table (probe/open/next/close) registered by name in
 * readers.c. A reader turns its input into the normalised event stream (core/event.h).
 */
#ifndef NT_READER_H
#define NT_READER_H

#include <stddef.h>

#include "../core/error.h"
#include "../core/event.h"

enum nt_next {
	NT_NEXT_OK = 0,	    /* messages were appended; call again */
	NT_NEXT_END = 1,    /* the input is exhausted (nothing more will come) */
	NT_NEXT_ERROR = -1, /* failed: *err says why */
};

/* Bytes of the file start given to probe(). */
#define NT_PROBE_BYTES 4096

struct nt_reader_ops {
	const char *name; /* e.g. "tracedat" */
	const char *help; /* one line: what files it reads */
	/*
	 * How likely @path is this format, 0 (not) to 100 (certain), from @head (the first @n
	 * bytes of a regular file; n is 0 for a directory).
	 */
	int (*probe)(const char *path, const unsigned char *head, size_t n);
	/* Open @path; *state is the reader's own. On failure set *err and return -1. */
	int (*open)(const char *path, void **state, struct nt_err **err);
	/*
	 * Append the next messages (about a batch worth: stop once b->len passes
	 * NT_BATCH_TARGET) to @b. Never returns END and ERROR for the same call.
	 */
	enum nt_next (*next)(void *state, struct nt_batch *b, struct nt_err **err);
	/* Release @state. Accepts NULL. */
	void (*close)(void *state);
};

/* A batch is flushed to the importer once it holds about this many bytes. */
#define NT_BATCH_TARGET (256 * 1024)

/* The reader called @name, or NULL. */
const struct nt_reader_ops *nt_reader_find(const char *name);

/* All readers, NULL-terminated. */
const struct nt_reader_ops *const *nt_readers(void);

/*
 * Pick the reader for @path by content. On failure (unreadable, or no reader accepts it) sets
 * *err, naming the formats tried, and returns -1.
 */
int nt_reader_probe(const char *path, const struct nt_reader_ops **out, struct nt_err **err);

/* ---- running a reader ---- */

struct nt_source; /* opaque: a reader at work, maybe in a worker process */

/*
 * Start reading @path with @ops. With @isolate, the reader runs in a child process, so a
 * crash or hang in a third-party library becomes a clean error; @timeout_s bounds how long
 * it may go without producing anything (0: no limit). Free with nt_source_close().
 * Sources may be opened ahead of their turn (a batch read in parallel): while one isolated
 * source is read, what the workers of the others send is taken in too and kept in memory (up
 * to 64 MiB each; beyond that a worker waits), so their readers run on other cores meanwhile.
 */
int nt_source_open(const char *path, const struct nt_reader_ops *ops, int isolate,
		   unsigned timeout_s, struct nt_source **out, struct nt_err **err);

/*
 * The next stretch of whole frames: data and len point into the source (weak, valid until the
 * next call). OK: data follows. END: the reader finished and exited cleanly (its END frame was
 * delivered earlier). ERROR: it crashed, hung or the stream is corrupt (*err says which).
 */
enum nt_next nt_source_read(struct nt_source *s, const unsigned char **data, size_t *len,
			    struct nt_err **err);

/* What the reader printed on stderr (the tail of it), or "". Owned by @s. */
const char *nt_source_stderr(struct nt_source *s);

/*
 * Has the worker of @s sent all it will send (its whole stream is held, *@held bytes)? A reader
 * opened ahead that has finished no longer takes a core. False for an in-process source.
 */
bool nt_source_drained(const struct nt_source *s, size_t *held);

/*
 * While nt_source_read() waits for its source's worker, it first calls @fn(@arg) (NULL: no
 * hook): the caller, idle, may start readers ahead meanwhile (a batch: cli/cmd_import.c).
 */
void nt_source_wait_hook(void (*fn)(void *arg), void *arg);

/* Stop the reader (killing its process if still running) and free @s. Accepts NULL. */
void nt_source_close(struct nt_source *s);

#endif
