/* SPDX-License-Identifier: GPL-2.0 */
/* The progress hook. */
#include "progress.h"

#include <stddef.h>

static nt_progress_fn hook;
static void *hook_ctx;

void nt_progress_set(nt_progress_fn fn, void *ctx)
{
	hook = fn;
	hook_ctx = ctx;
}

void nt_progress(const char *stage, uint64_t done, uint64_t total, int final)
{
	if (hook)
		hook(hook_ctx, stage, done, total, final);
}
