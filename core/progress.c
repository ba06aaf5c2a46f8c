/* SPDX-License-Identifier: GPL-2.0 */
/* The progress hook. */
#include "progress.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static nt_progress_fn hook;
static void *hook_ctx;
static nt_progress_capture_fn capture_hook;
static nt_progress_step_fn step_hook;
static nt_progress_warn_fn warn_hook;

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

void nt_progress_capture_set(nt_progress_capture_fn fn)
{
	capture_hook = fn;
}

void nt_progress_capture(const char *stage, double seconds, uint64_t bytes, const char *what,
			 int final)
{
	if (capture_hook)
		capture_hook(stage, seconds, bytes, what, final);
}

void nt_progress_step_set(nt_progress_step_fn fn)
{
	step_hook = fn;
}

void nt_progress_step(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!step_hook)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	step_hook(line);
}

void nt_progress_warn_set(nt_progress_warn_fn fn)
{
	warn_hook = fn;
}

void nt_progress_warn(const char *subject, const char *msg, size_t n)
{
	if (warn_hook)
		warn_hook(subject, msg, n);
}
