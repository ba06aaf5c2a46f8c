/* SPDX-License-Identifier: GPL-2.0 */
/* Naming the events a kernel has, when -e asks for one it lacks. */
#include "evnames.h"

#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SHOW = 8 }; /* names given before "and N more" */

static int is_dir(const struct dirent *d)
{
	return d->d_type == DT_DIR && d->d_name[0] != '.';
}

/* "a, b, c and N more" of the subdirectories of @path (sorted) into @out; how many. */
static int list_dirs(const char *path, char *out, size_t n)
{
	struct dirent **v = NULL;
	int k = scandir(path, &v, is_dir, alphasort);
	size_t at = 0;

	*out = '\0';
	for (int i = 0; i < k; i++) {
		if (i < SHOW && at < n)
			at += (size_t)snprintf(out + at, n - at, "%s%s", i ? ", " : "",
					       v[i]->d_name);
		free(v[i]);
	}
	free(v);
	if (k > SHOW && at < n)
		snprintf(out + at, n - at, " and %d more", k - SHOW);
	return k < 0 ? 0 : k;
}

struct nt_err *nt_evnames_unknown(const char *dir, const char *spec)
{
	char sys[256], path[4096], list[1024];
	const char *colon = strchr(spec, ':');
	struct dirent **v = NULL;
	int k, match = -1;
	struct nt_err *e;

	snprintf(sys, sizeof(sys), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	snprintf(path, sizeof(path), "%s/events", dir);
	k = scandir(path, &v, is_dir, alphasort);
	for (int i = 0; i < k; i++) {
		if (match < 0 && !fnmatch(sys, v[i]->d_name, 0))
			match = i;
		if (match != i)
			free(v[i]);
	}
	if (match < 0) {
		list_dirs(path, list, sizeof(list));
		e = nt_err_new(
			NT_E_USAGE,
			"unknown event '%s': this kernel has no event system '%s'; it has %s", spec,
			sys, *list ? list : "none");
	} else {
		snprintf(path, sizeof(path), "%s/events/%s", dir, v[match]->d_name);
		list_dirs(path, list, sizeof(list));
		e = nt_err_new(NT_E_USAGE,
			       "unknown event '%s': this kernel has no such tracepoint; %s has %s",
			       spec, v[match]->d_name, *list ? list : "none");
		free(v[match]);
	}
	free(v);
	nt_err_hint(e,
		    "the events are listed under %s/events (SYSTEM or SYSTEM:EVENT; globs "
		    "allowed)",
		    dir);
	return e;
}

int nt_evnames_push(char ***v, int *n, char *name)
{
	char **x = name ? realloc(*v, (size_t)(*n + 1) * sizeof(*x)) : NULL;

	if (!x) {
		free(name);
		return -1;
	}
	*v = x;
	x[(*n)++] = name;
	return 0;
}

void nt_evnames_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
