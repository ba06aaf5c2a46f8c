/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libtracecmd exports these accessors (trace-cmd's own tools use them) but declares them only
 * in its private header, which Debian does not ship. Their signatures have been stable since
 * trace-cmd 3.0. Keep every such declaration here, in one place.
 */
#ifndef NT_TRACECMD_PRIVATE_H
#define NT_TRACECMD_PRIVATE_H

#include <trace-cmd/trace-cmd.h>

const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
int tracecmd_cpus(struct tracecmd_input *handle);
unsigned long tracecmd_get_in_file_version(struct tracecmd_input *handle);
int tracecmd_page_size(struct tracecmd_input *handle);

#endif
