/* SPDX-License-Identifier: GPL-2.0 */
/* What a kernel's tracefs offers, for the messages that refuse an event it lacks. */
#ifndef NT_EVNAMES_H
#define NT_EVNAMES_H

#include "../core/error.h"

/*
 * The usage error for -e @spec ("SYSTEM" or "SYSTEM:EVENT", globs allowed) that matched no
 * event under @dir/events, naming what exists: the systems when no system matches, else the
 * events of the matching system (the first few and how many more). Never NULL.
 */
struct nt_err *nt_evnames_unknown(const char *dir, const char *spec);

/*
 * Append @name (owned: taken, or freed on failure; NULL counts as out of memory) to the @n
 * names of *@v. Returns 0, or -1 when out of memory.
 */
int nt_evnames_push(char ***v, int *n, char *name);

/* Free the @n names of @v and @v. */
void nt_evnames_free(char **v, int n);

#endif
