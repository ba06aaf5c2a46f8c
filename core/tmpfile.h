/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Temporary files named after their owner: "<path>[.<what>].nettrail-tmp.<pid>". A file whose
 * owner is no longer a running nettrail process (killed, or its pid reused by another program)
 * is stale and may be removed; a live nettrail's files are never touched.
 */
#ifndef NT_TMPFILE_H
#define NT_TMPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The marker between a temporary file's name and its owner's pid. */
#define NT_TMPFILE_MARK ".nettrail-tmp."

/*
 * "<path>.<what>.nettrail-tmp.<our pid>" (or "<path>.nettrail-tmp.<our pid>" when @what is
 * NULL). Returns an owned string (free()), or NULL when out of memory.
 */
char *nt_tmpfile_path(const char *path, const char *what);

/*
 * The owner pid of a temporary file's @name (".nettrail-tmp.<pid>" at the end, or followed by
 * '-', as SQLite's "-journal"), or 0 when @name is no such file. With @stem, the part of the
 * name before the marker is copied there (at most @stem_size bytes with the NUL).
 */
long nt_tmpfile_owner(const char *name, char *stem, size_t stem_size);

/*
 * Is @pid a running nettrail process? Its comm starts with "nettrail", or its executable has
 * the same name as ours. A live process that is something else is a reused pid: false.
 * When /proc cannot tell, true (keep the file).
 */
bool nt_tmpfile_owner_alive(long pid);

/* What a sweep removed. */
struct nt_tmpfile_swept {
	int files;
	uint64_t bytes;
	long pid; /* one of the dead owners (the last seen), 0 when none */
};

/*
 * Remove the regular files in @dir whose owner (see nt_tmpfile_owner) is not a running
 * nettrail. Adds what it removed to @out. Errors (an unreadable directory, a file that cannot
 * be removed) are skipped: this is housekeeping.
 */
void nt_tmpfile_sweep(const char *dir, struct nt_tmpfile_swept *out);

#endif
