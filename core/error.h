/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error chains. A library function that fails returns a status and hands back an error that
 * says what went wrong; each caller on the way up adds what it was doing. Only the CLI prints
 * (once) and chooses the exit code, from the error's kind.
 */
#ifndef NT_ERROR_H
#define NT_ERROR_H

#include <stdarg.h>
#include <stdio.h>

/* What kind of failure: picks the exit code. */
enum nt_err_kind {
	NT_E_FAIL = 1,	/* the system refused: privilege, missing feature, I/O */
	NT_E_USAGE = 2, /* the command line is wrong */
	NT_E_INPUT = 3, /* the input is bad or was rejected: corrupt trace, unknown event */
	NT_E_INTR = 4,	/* interrupted by a signal */
};

struct nt_err; /* opaque */

/*
 * Make a new error of @kind with a printf-style message (lower case, no final period: the
 * problem first, then what to do). Never returns NULL (falls back to a static OOM error).
 * Must be freed with nt_err_free().
 */
struct nt_err *nt_err_new(enum nt_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like nt_err_new() with strerror(@errnum) appended as ": <text>". */
struct nt_err *nt_err_errno(enum nt_err_kind kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Add context to @err, the outer layer: "<context>: <inner message>". Takes ownership of @err
 * and returns the new chain head. If @err is NULL, behaves like nt_err_new(NT_E_FAIL, ...).
 */
struct nt_err *nt_err_wrap(struct nt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Kind of the innermost cause (what really went wrong). */
enum nt_err_kind nt_err_kind(const struct nt_err *err);

/* Set the kind of @err (e.g. a reader turns an I/O error into NT_E_INPUT). */
void nt_err_set_kind(struct nt_err *err, enum nt_err_kind kind);

/*
 * The whole chain as one line, outer first, joined by ": ". Owned by @err, valid until the
 * next call on @err or nt_err_free().
 */
const char *nt_err_msg(struct nt_err *err);

/* Add a hint line, printed after the message ("hint: ..."). */
void nt_err_hint(struct nt_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The hint, or NULL. Owned by @err. */
const char *nt_err_get_hint(const struct nt_err *err);

/* Print "nettrail: error: <chain>" (and the hint) on @f, escaped (core/escape.h). */
void nt_err_print(struct nt_err *err, FILE *f);

/* Free the chain. Accepts NULL. */
void nt_err_free(struct nt_err *err);

/* Convenience: set *@out (if @out is not NULL and *@out is NULL) else free @err. Returns -1. */
int nt_err_set(struct nt_err **out, struct nt_err *err);

#endif
