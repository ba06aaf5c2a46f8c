/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to parse/: the perf.data container (tools/perf/Documentation/perf.data-file-format.txt)
 * read natively: the header, the event attributes and their ids, the feature sections after
 * the data (tracing data parsed into a libtraceevent handle, host facts, event names), and the
 * data section's records one by one in file order, with PERF_RECORD_COMPRESSED (perf record
 * -z, zstd) unpacked in place. Every size is checked against the file; a bad one is an error
 * naming the file and the offset.
 */
#ifndef NT_PERFDATA_FILE_H
#define NT_PERFDATA_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/error.h"

struct tep_handle;
struct nt_pf; /* opaque: an open perf.data file */

/* perf_event.h values (stable ABI) */
enum {
	NT_PERF_TYPE_HARDWARE = 0,
	NT_PERF_TYPE_SOFTWARE = 1,
	NT_PERF_TYPE_TRACEPOINT = 2,

	NT_PERF_RECORD_LOST = 2,
	NT_PERF_RECORD_COMM = 3,
	NT_PERF_RECORD_FORK = 7,
	NT_PERF_RECORD_SAMPLE = 9,
	NT_PERF_RECORD_LOST_SAMPLES = 13,
	NT_PERF_RECORD_USER_START = 64,
	NT_PERF_RECORD_HEADER_ATTR = 64,
	NT_PERF_RECORD_HEADER_TRACING_DATA = 66,
	NT_PERF_RECORD_FINISHED_ROUND = 68,
	NT_PERF_RECORD_AUXTRACE = 71,
	NT_PERF_RECORD_EVENT_UPDATE = 78,
	NT_PERF_RECORD_HEADER_FEATURE = 80,
	NT_PERF_RECORD_COMPRESSED = 81,
	NT_PERF_RECORD_COMPRESSED2 = 83,
};

/* One event attribute (perf_event_attr) with what the file says about it. */
struct nt_pf_attr {
	uint32_t type;
	uint64_t config, sample_type, read_format, flags;
	uint64_t branch_sample_type, regs_user, regs_intr;
	int32_t clockid;
	char *name;    /* owned: perf's name for it ("sched:sched_switch", "cycles:pp") */
	uint64_t *ids; /* owned: the sample ids that designate it */
	unsigned nids;
};

#define NT_PF_ATTR_SAMPLE_ID_ALL (1ull << 18)
#define NT_PF_ATTR_USE_CLOCKID	 (1ull << 25)

/* Facts from the feature sections (NULL or 0 when absent). */
struct nt_pf_facts {
	const char *hostname, *os_release, *perf_version, *arch; /* owned by the file */
	const char *kernel_build_id; /* HEADER_BUILD_ID's kernel entry in hex, or NULL (weak) */
	uint32_t nr_cpus_avail;
	uint64_t clockid_res_ns; /* HEADER_CLOCKID: the clock's resolution */
	/* printk format lines left out (libtraceevent cannot read them), the first one's number */
	size_t printk_dropped, printk_first_bad;
	const char *printk_shown; /* the start of that line (owned by the file), or NULL */
};

/* A record: its bytes (weak: valid until the next nt_pf_next()) and where it is. */
struct nt_pf_rec {
	uint32_t type;
	uint16_t misc, size;
	const unsigned char *p; /* the whole record, header included */
	uint64_t off;		/* file offset (of the compressed record for one inside it) */
	bool inner;		/* unpacked from a PERF_RECORD_COMPRESSED */
};

/*
 * Open the perf.data at @path: read the header, attributes, ids and feature sections (in pipe
 * mode, perf record -o -, the records that stand for them at the start of the stream).
 * Returns 0; 1 (and *out NULL) for a file of the other byte order, which this reader leaves to
 * perf; or -1 with *err set. Free with nt_pf_close().
 */
int nt_pf_open(const char *path, struct nt_pf **out, struct nt_err **err);

/* The next record of the data section: 1 and *@r set, 0 at the end, -1 with *err set. */
int nt_pf_next(struct nt_pf *f, struct nt_pf_rec *r, struct nt_err **err);

unsigned nt_pf_nattrs(const struct nt_pf *f);
struct nt_pf_attr *nt_pf_attr(struct nt_pf *f, unsigned i);
/* The attribute whose sample id is @id, or NULL. */
struct nt_pf_attr *nt_pf_attr_by_id(struct nt_pf *f, uint64_t id);
/* The tracing data's formats (weak), or NULL when the file has none. */
struct tep_handle *nt_pf_tep(struct nt_pf *f);
const struct nt_pf_facts *nt_pf_facts(const struct nt_pf *f);
/* Top-level records read so far (a compressed record counts once). */
uint64_t nt_pf_records(const struct nt_pf *f);
/* Were records unpacked from PERF_RECORD_COMPRESSED? */
bool nt_pf_compressed(const struct nt_pf *f);

/* Unaligned reads of the file's (host order) integers. */
static inline uint64_t nt_pf_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t nt_pf_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* A window of lost samples (PERF_RECORD_LOST or LOST_SAMPLES), for both perf.data routes. */
struct nt_pf_lost {
	int32_t cpu; /* -1: unknown */
	int64_t count;
	uint64_t from, to;
};

/*
 * Append a window to *@list (*@n entries) and add @count to *@total; past 100,000 windows the
 * rest is folded into the last one. Returns 0, or -1 when out of memory.
 */
int nt_pf_lost_add(struct nt_pf_lost **list, size_t *n, uint64_t *total, int32_t cpu,
		   uint64_t count, uint64_t from, uint64_t to);

/* Close @f. Accepts NULL. */
void nt_pf_close(struct nt_pf *f);

#endif
