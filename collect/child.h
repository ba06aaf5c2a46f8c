/* SPDX-License-Identifier: GPL-2.0 */
/* The traced command: started stopped at a gate, so tracing is on before it runs. */
#ifndef NT_CHILD_H
#define NT_CHILD_H

#include <sys/types.h>

#include "../core/error.h"

/*
 * Fork @argv[0] with default signal handling, waiting for one byte on @gate (pipe made here;
 * write gate[1] to let it exec, close it to abandon it: it exits 126). If exec fails, the errno
 * comes back on @status (read status[0]: EOF means exec succeeded). On return the child's
 * ends are closed and set to -1. Returns 0, or -1 with *err set.
 */
int nt_child_start(char *const *argv, int gate[2], int status[2], pid_t *pid, struct nt_err **err);

#endif
