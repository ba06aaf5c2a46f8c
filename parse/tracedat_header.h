/* SPDX-License-Identifier: GPL-2.0 */
/* Structural check of a trace.dat before libtracecmd maps it. */
#ifndef NT_TRACEDAT_HEADER_H
#define NT_TRACEDAT_HEADER_H

#include "../core/error.h"

/*
 * Walk the header of the trace.dat at @path. For version 6, check that every section and every
 * CPU's data lies inside the file, so that a truncated file is reported with the offset where
 * it falls short instead of crashing the mapping reader. Version 7 files get the initial checks
 * only (their sections are validated by libtracecmd). Returns 0, or -1 with *err set.
 */
int nt_tracedat_check(const char *path, struct nt_err **err);

#endif
