/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The perf.data reader (parse/perfdata.c) outside the reader table: what record --backend
 * perf and restore ask of a perf.data they wrote. The reader itself is in parse/readers.c's
 * table.
 */
#ifndef NT_PERFDATA_H
#define NT_PERFDATA_H

#include <stdint.h>

#include "../core/error.h"

/*
 * The lost samples of the perf.data at @path (PERF_RECORD_LOST, or LOST_SAMPLES in a file
 * without any LOST, as the perf reader counts them; compressed records included): added to
 * @lost_total and, where the records carry their cpu, to @lost[cpu] for cpu < @ncpus (@lost
 * may be NULL). Returns 0, or -1 with *err when the file cannot be read as a perf.data. For
 * record --backend perf (collect/perf_rec.c) and restore (collect/restore.c).
 */
int nt_perfdata_count_lost(const char *path, uint64_t *lost, int ncpus, uint64_t *lost_total,
			   struct nt_err **err);

#endif
