/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The normalised event stream. A reader turns any trace into a sequence of messages (trace
 * facts, event classes, tasks, events, lost-event windows) appended to a batch; the store
 * consumes batches. The encoding is a flat byte string so a batch can cross a pipe from the
 * reader's worker process to the importer unchanged.
 *
 * Frame: u8 type, u32 payload length, payload. Integers are in host byte order (the stream
 * never leaves the machine). Strings are u32 length + bytes (no NUL).
 */
#ifndef NT_EVENT_H
#define NT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nt_msg_type {
	NT_MSG_INFO = 1, /* key, value: a fact about the trace (format, kernel, clock...) */
	NT_MSG_CLASS,	 /* an event class: id, system, name, original name, fields */
	NT_MSG_TASK,	 /* pid, comm: the name of a task from now on */
	NT_MSG_EVENT,	 /* class id, ts, cpu, pid, values in class field order */
	NT_MSG_LOST,	 /* cpu, count (-1: unknown), window [ts_from, ts_to] */
	NT_MSG_CPU,	 /* cpu, lost events in total on that cpu (buffer statistics) */
	NT_MSG_WARN,	 /* text: something the reader skipped, with its place */
	NT_MSG_ERROR,	 /* kind, text, hint (""): the reader failed; keep nothing it sent */
	NT_MSG_END,	 /* the reader reached the end of its input */
};

enum nt_val_type {
	NT_VAL_NULL = 0,
	NT_VAL_INT = 1,
	NT_VAL_TEXT = 2,
	NT_VAL_BLOB = 3,
	NT_VAL_REAL = 4,
};

/* Flags of a field. */
enum nt_field_flags {
	NT_FIELD_SIGNED = 1 << 0,
	NT_FIELD_POINTER = 1 << 1,
	NT_FIELD_SYMBOL = 1 << 2, /* decoded name of another field (from the trace's format) */
	NT_FIELD_ARRAY = 1 << 3,
};

struct nt_field_def {
	const char *name;
	enum nt_val_type type; /* the declared type; a value may still be NULL */
	unsigned flags;
};

struct nt_class_def {
	uint32_t id;	    /* reader-chosen, unique within one trace */
	const char *system; /* canonical system, e.g. "skb" */
	const char *name;   /* canonical event, e.g. "kfree_skb" */
	const char *orig;   /* the name in the source trace, e.g. "skb_kfree" (may equal) */
	const char *format; /* the source's own description of the class, or NULL */
	unsigned nfields;
	const struct nt_field_def *fields;
};

/* A growing byte buffer of frames. Transparent: readers and the store share it. */
struct nt_batch {
	unsigned char *data; /* owned */
	size_t len, cap;
	size_t nevents;	 /* events in this batch */
	size_t ev_start; /* offset of the event being built */
	bool oom;	 /* an append failed: the batch is unusable */
};

void nt_batch_init(struct nt_batch *b);
void nt_batch_release(struct nt_batch *b);
/* Empty the batch, keeping its memory. */
void nt_batch_reset(struct nt_batch *b);

void nt_batch_info(struct nt_batch *b, const char *key, const char *value);
void nt_batch_class(struct nt_batch *b, const struct nt_class_def *def);
void nt_batch_task(struct nt_batch *b, int32_t pid, const char *comm);
void nt_batch_lost(struct nt_batch *b, int32_t cpu, int64_t count, uint64_t ts_from,
		   uint64_t ts_to);
void nt_batch_cpu(struct nt_batch *b, int32_t cpu, int64_t lost);
void nt_batch_warn(struct nt_batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The reader failed: error @kind (enum nt_err_kind), @msg and its hint (NULL: none). */
void nt_batch_error(struct nt_batch *b, int kind, const char *msg, const char *hint);
void nt_batch_end(struct nt_batch *b);

/* An event: begin, then one value per class field in order, then end. */
void nt_batch_event_begin(struct nt_batch *b, uint32_t class_id, uint64_t ts, int32_t cpu,
			  int32_t pid);
void nt_batch_null(struct nt_batch *b);
void nt_batch_int(struct nt_batch *b, int64_t v);
void nt_batch_real(struct nt_batch *b, double v);
void nt_batch_text(struct nt_batch *b, const char *s, size_t n);
void nt_batch_blob(struct nt_batch *b, const void *p, size_t n);
void nt_batch_event_end(struct nt_batch *b);

/* ---- decoding ---- */

/* A view of one frame. */
struct nt_msg {
	enum nt_msg_type type;
	const unsigned char *p; /* payload (weak) */
	uint32_t len;
};

/*
 * Next complete frame of @buf[*pos..len): 1 and *@m set (and *pos advanced), 0 when the rest is
 * an incomplete frame (need more bytes), -1 when the bytes are not a frame (corrupt stream).
 */
int nt_msg_next(const unsigned char *buf, size_t len, size_t *pos, struct nt_msg *m);

/* A cursor over a payload; any read past the end sets bad and returns zero values. */
struct nt_cursor {
	const unsigned char *p, *end;
	bool bad;
};

void nt_cursor_init(struct nt_cursor *c, const struct nt_msg *m);
uint8_t nt_cur_u8(struct nt_cursor *c);
uint32_t nt_cur_u32(struct nt_cursor *c);
uint64_t nt_cur_u64(struct nt_cursor *c);
double nt_cur_real(struct nt_cursor *c);
/* A string or blob: its bytes (weak, not NUL-terminated) and length. */
const char *nt_cur_str(struct nt_cursor *c, uint32_t *len);

/* A decoded value (weak pointers into the payload). */
struct nt_val {
	enum nt_val_type type;
	int64_t i;
	double r;
	const char *s;
	uint32_t n;
};
void nt_cur_val(struct nt_cursor *c, struct nt_val *v);
/*
 * The @n values that follow into @out; those the payload lacks (fewer values than fields) are
 * NULL. One call for an event's values: the importer's decode, per value a call before.
 */
void nt_cur_vals(struct nt_cursor *c, unsigned n, struct nt_val *out);

#endif
