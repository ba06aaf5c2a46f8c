/* SPDX-License-Identifier: GPL-2.0 */
/* Error chains: a list of messages, innermost cause last, printed once by the CLI. */
#include "error.h"
#include "escape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct nt_err {
	enum nt_err_kind kind;
	char *msg;	      /* owned: this layer's message */
	char *hint;	      /* owned, may be NULL */
	char *joined;	      /* owned: cache for nt_err_msg() */
	struct nt_err *cause; /* owned: inner error */
};

static struct nt_err oom_err = {NT_E_FAIL, (char *)"out of memory", NULL, NULL, NULL};

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static struct nt_err *make(enum nt_err_kind kind, char *msg)
{
	struct nt_err *e;

	if (!msg)
		return &oom_err;
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(msg);
		return &oom_err;
	}
	e->kind = kind;
	e->msg = msg;
	return e;
}

struct nt_err *nt_err_new(enum nt_err_kind kind, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	return make(kind, s);
}

struct nt_err *nt_err_errno(enum nt_err_kind kind, int errnum, const char *fmt, ...)
{
	va_list ap;
	char *s, *t = NULL;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	if (s && asprintf(&t, "%s: %s", s, strerror(errnum)) < 0)
		t = NULL;
	free(s);
	return make(kind, t);
}

struct nt_err *nt_err_wrap(struct nt_err *err, const char *fmt, ...)
{
	va_list ap;
	struct nt_err *e;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	e = make(err ? err->kind : NT_E_FAIL, s);
	if (e == &oom_err || err == &oom_err)
		return err ? err : e;
	e->cause = err;
	return e;
}

enum nt_err_kind nt_err_kind(const struct nt_err *err)
{
	while (err && err->cause)
		err = err->cause;
	return err ? err->kind : NT_E_FAIL;
}

void nt_err_set_kind(struct nt_err *err, enum nt_err_kind kind)
{
	for (; err && err != &oom_err; err = err->cause)
		err->kind = kind;
}

const char *nt_err_msg(struct nt_err *err)
{
	size_t n = 0;
	struct nt_err *e;
	char *p;

	if (!err)
		return "unknown error";
	if (err == &oom_err || !err->cause)
		return err->msg;
	for (e = err; e; e = e->cause)
		n += strlen(e->msg) + 2;
	free(err->joined);
	err->joined = p = malloc(n + 1);
	if (!p)
		return err->msg;
	for (e = err; e; e = e->cause) {
		size_t l = strlen(e->msg);
		memcpy(p, e->msg, l);
		p += l;
		if (e->cause) {
			memcpy(p, ": ", 2);
			p += 2;
		}
	}
	*p = '\0';
	return err->joined;
}

void nt_err_hint(struct nt_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err || err == &oom_err)
		return;
	va_start(ap, fmt);
	free(err->hint);
	err->hint = vfmt(fmt, ap);
	va_end(ap);
}

const char *nt_err_get_hint(const struct nt_err *err)
{
	for (; err; err = err->cause)
		if (err->hint)
			return err->hint;
	return NULL;
}

void nt_err_print(struct nt_err *err, FILE *f)
{
	const char *hint = nt_err_get_hint(err);

	fputs("nettrail: error: ", f);
	nt_esc_text(f, nt_err_msg(err)); /* messages quote file names and trace strings */
	fputc('\n', f);
	if (hint) {
		fputs("hint: ", f);
		nt_esc_text(f, hint);
		fputc('\n', f);
	}
}

void nt_err_free(struct nt_err *err)
{
	while (err && err != &oom_err) {
		struct nt_err *next = err->cause;
		free(err->msg);
		free(err->hint);
		free(err->joined);
		free(err);
		err = next;
	}
}

int nt_err_set(struct nt_err **out, struct nt_err *err)
{
	if (out && !*out)
		*out = err;
	else
		nt_err_free(err);
	return -1;
}
