/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pairing function_graph entries and exits into calls. Readers feed what they see (text
 * lines or trace.dat funcgraph_entry/funcgraph_exit records) in trace order; this module keeps
 * one stack of open calls per task and emits each call, once it is closed (or at the end), as
 * an event of class funcgraph:call into the reader's batch. docs/formats/funcgraph.md gives
 * the field meanings.
 *
 * Calls nest per task (the kernel keeps the return stack per task): the stack is keyed by pid
 * when the pid is known and not 0, else by cpu (idle tasks, or text without a task column).
 */
#ifndef NT_FUNCGRAPH_H
#define NT_FUNCGRAPH_H

#include <stdint.h>

#include "../core/event.h"

struct nt_fgraph; /* opaque */

/* "No timestamp": the source has no time column (ts 0 is stored, exit_ts NULL). */
#define NT_FGRAPH_NO_TS UINT64_MAX
/* "No duration": not printed or not known. */
#define NT_FGRAPH_NO_DURATION (-1)
/* Deepest nesting accepted (the kernel's limit is far lower); deeper records are refused. */
#define NT_FGRAPH_MAX_DEPTH 256

/* Returned by the feeding functions when the depth is out of range (the record is ignored). */
#define NT_FGRAPH_BAD_DEPTH 1

/*
 * A new pairing state whose calls are events of class @class_id (a class id of the reader's
 * numbering that it uses for nothing else). The class is defined in the batch on first use.
 * Returns NULL when out of memory. Free with nt_fgraph_free().
 */
struct nt_fgraph *nt_fgraph_new(uint32_t class_id);

/* Free @g (without emitting the calls still open: see nt_fgraph_flush()). Accepts NULL. */
void nt_fgraph_free(struct nt_fgraph *g);

/*
 * A function was entered at @depth (0: outermost) on @cpu by @pid (-1: unknown) at @ts (ns,
 * or NT_FGRAPH_NO_TS). @func is its name as the source gives it (for trace.dat records,
 * resolve the address with tep_find_function() first; "0x..." when it has no symbol); it is
 * copied. Open calls at @depth or deeper on that stack were never closed: they are emitted
 * with a NULL duration. Returns 0, NT_FGRAPH_BAD_DEPTH, or -1 when out of memory.
 */
int nt_fgraph_entry(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t pid, uint64_t ts,
		    const char *func, int depth);

/*
 * A leaf: entered at @ts and returned @duration ns later (NT_FGRAPH_NO_DURATION when not
 * printed), as function_graph text prints "func();". Emitted at once. Returns as above.
 */
int nt_fgraph_leaf(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t pid, uint64_t ts,
		   const char *func, int depth, int64_t duration);

/*
 * The call open at @depth returned at @ts after @duration ns (NT_FGRAPH_NO_DURATION: take
 * @ts minus the entry time when both are known). @func may be NULL (text "}" without a tail
 * comment). trace.dat funcgraph_exit records: duration = rettime - calltime. When no call is
 * open at @depth (its entry was lost or before the trace), one is made up from the exit with
 * entry_seen 0, and so are its callers' frames, which later exits may close. Returns as above.
 */
int nt_fgraph_exit(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t pid, uint64_t ts,
		   const char *func, int depth, int64_t duration);

/*
 * Text without a task column: @cpu switched from @prev_pid to @next_pid (a "=>" block). The
 * calls opened on @cpu while the task was unknown belong to @prev_pid. Returns 0 or -1.
 */
int nt_fgraph_switch(struct nt_fgraph *g, struct nt_batch *b, int32_t cpu, int32_t prev_pid,
		     int32_t next_pid);

/*
 * End of the trace: emit every call still open (duration NULL) and the summary facts
 * (INFO funcgraph_calls, funcgraph_unclosed, funcgraph_entry_unseen, funcgraph_mismatched)
 * when any call was seen. Returns 0 or -1 (out of memory).
 */
int nt_fgraph_flush(struct nt_fgraph *g, struct nt_batch *b);

/*
 * For sources that give no depth (LTTng kretprobes: an entry and a return per call): the
 * number of calls open on the stack of (@cpu, @pid), which is the depth of a new entry; and
 * the depth of the innermost open call of @func there, or -1 when none is open (a return whose
 * entry is not on record: give nt_fgraph_exit() nt_fgraph_open_depth() to make it up).
 */
int nt_fgraph_open_depth(struct nt_fgraph *g, int32_t cpu, int32_t pid);
int nt_fgraph_find_open(struct nt_fgraph *g, int32_t cpu, int32_t pid, const char *func);

/*
 * The caller of the innermost open call of @pid (on @cpu): the function one frame below it,
 * or NULL. Under function_graph a traced function's return address reads return_to_handler;
 * an event that records it (kfree_skb's location, kmalloc's call_site) happened in the
 * innermost open call, so its caller is the place the address stood for.
 */
const char *nt_fgraph_caller(struct nt_fgraph *g, int32_t cpu, int32_t pid);

struct tep_handle;
struct tep_event;
struct tep_record;

/*
 * For the trace.dat reader: if @ev is ftrace:funcgraph_entry, ftrace:fgraph_retaddr_entry or
 * ftrace:funcgraph_exit, feed @rec (on rec->cpu, by @pid) to *@g, creating *@g on first use
 * with class id (*@next_class)++. The function address is resolved with tep_find_function()
 * ("0x..." when the trace's kallsyms do not know it); an exit's duration is rettime - calltime.
 * Returns 0 (also for other events), NT_FGRAPH_BAD_DEPTH when the record lacks func/depth or
 * has an impossible depth, or -1 when out of memory.
 */
int nt_fgraph_tep_record(struct nt_fgraph **g, uint32_t *next_class, struct nt_batch *b,
			 struct tep_handle *tep, struct tep_event *ev, struct tep_record *rec,
			 int32_t pid);

/* Counters, for tests and reports. */
struct nt_fgraph_stats {
	uint64_t calls;	       /* emitted calls */
	uint64_t unclosed;     /* emitted without an exit (never closed, or open at the end) */
	uint64_t entry_unseen; /* emitted with entry_seen 0 */
	uint64_t mismatched;   /* exits whose function differs from the open call's */
};
void nt_fgraph_get_stats(const struct nt_fgraph *g, struct nt_fgraph_stats *st);

#endif
