/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Help from the command and option tables: `nettrail help [CMD]`, and the manual page and bash
 * completion the build generates (`nettrail help --man`, `--completion bash`).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef NT_VERSION
#define NT_VERSION "0.0"
#endif

const char *const cli_exit_text[NT_EXIT_CLAIM + 1] = {
	"success",
	"failure: the system refused (privilege, missing kernel feature, I/O error)",
	"usage error on the command line, or an option value that matches nothing (an unknown "
	"event, trace, cpu, device, task or function)",
	"bad input: a trace is corrupt, truncated, unsupported or rejected (a trace already "
	"imported)",
	"interrupted (Ctrl-C, SIGTERM): nothing partial was kept",
	"completed, but events were lost (ring-buffer overruns): results are incomplete",
	"completed, but a claim of the lab sheet did not hold (lab)",
};

static const char intro[] =
	"nettrail shows what the Linux network stack does with every packet: it captures\n"
	"kernel traces, imports them into one SQLite database and reports on them.\n";

int cli_cmd_opts(const struct cli_cmd *cmd, struct cli_opt *out, int max)
{
	int n = 0;

	for (const struct cli_opt *o = cmd->opts; o && o->name && n < max - 3; o++)
		out[n++] = *o;
	if (cmd->input)
		out[n++] = (struct cli_opt){"input", 'i', cmd->input,
					    "the same as giving it as an argument (as perf's -i)"};
	if (cmd->fn)
		out[n++] = (struct cli_opt){"help", 'h', NULL, "show this help"};
	out[n] = (struct cli_opt){NULL, 0, NULL, NULL};
	return n;
}

/* @text after @lead, wrapped at 79 columns, continued under column @indent. */
static void wrapped(FILE *f, const char *lead, int indent, const char *text)
{
	int col = fprintf(f, "%s", lead);

	while (*text) {
		size_t w = strcspn(text, " ");
		if (col > indent && col + 1 + (int)w > 79)
			col = fprintf(f, "\n%*s", indent, "") - 1;
		else if (col > indent)
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)w, text);
		text += w + (text[w] == ' ');
	}
	fputc('\n', f);
}

static void exit_codes(FILE *f, const char *codes)
{
	for (const char *c = codes; *c; c++) {
		char lead[8];
		snprintf(lead, sizeof(lead), "  %c  ", *c);
		wrapped(f, lead, 5, cli_exit_text[*c - '0']);
	}
}

void cli_cmd_help(const struct cli_cmd *cmd, FILE *f)
{
	struct cli_opt all[80];
	const char *name, *help;

	fprintf(f, "usage: nettrail %s %s\n\n%s\n", cmd->name, cmd->synopsis, cmd->help);
	if (cli_cmd_opts(cmd, all, 80))
		fprintf(f, "\noptions:\n");
	for (const struct cli_opt *o = all; o->name; o++) {
		char left[64];
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->key < 256 ? "-" : " ",
			 o->key < 256 ? o->key : ' ', o->key < 256 ? ", " : "  ", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
	if (cmd->details)
		fprintf(f, "\n%s", cmd->details);
	if (cmd->list_title)
		fprintf(f, "\n%s:\n", cmd->list_title);
	for (int i = 0; cmd->list && cmd->list(i, &name, &help); i++)
		fprintf(f, "  %-12s %s\n", name, help);
	if (cmd->exits) {
		fprintf(f, "\nexit codes:\n");
		exit_codes(f, cmd->exits);
	}
}

void cli_main_help(FILE *f)
{
	fprintf(f, "usage: nettrail COMMAND [ARGS]\n\n%s\ncommands:\n", intro);
	for (size_t i = 0; i < cli_ncommands; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].help);
	fprintf(f, "\n'nettrail help COMMAND' (or 'nettrail COMMAND --help') shows a command's "
		   "options\nand its exit codes.\n\nexit codes:\n");
	exit_codes(f, "0123456");
}

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

/* @s for roff text: backslashes, option dashes, non-ASCII as \[uXXXX]. */
static void roff(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	if (n && (*p == '.' || *p == '\''))
		fputs("\\&", f);
	for (; p < end; p++) {
		if (*p == '\\') {
			fputs("\\e", f);
		} else if (*p == '-' && (p == (const unsigned char *)s || !word_char(p[-1]))) {
			fputs("\\-", f);
		} else if (*p >= 0x80) {
			unsigned cp = 0, more = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : 1;
			cp = *p & (0x3f >> more);
			for (; more && p + 1 < end && (p[1] & 0xc0) == 0x80; more--)
				cp = cp << 6 | (*++p & 0x3f);
			fprintf(f, "\\[u%04X]", cp);
		} else {
			fputc(*p, f);
		}
	}
}

static void roffs(FILE *f, const char *s)
{
	roff(f, s, strlen(s));
}

/* Free text: paragraphs at blank lines, indented lines kept as they are. */
static void roff_text(FILE *f, const char *text)
{
	bool nofill = false;

	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");
		bool indented = *l == ' ';

		if (indented != nofill)
			fputs(indented ? ".nf\n" : ".fi\n", f);
		nofill = indented;
		if (!n)
			fputs(".PP\n", f);
		roff(f, l, n);
		if (n)
			fputc('\n', f);
		l += n + (l[n] == '\n');
	}
	if (nofill)
		fputs(".fi\n", f);
}

static void man_option(FILE *f, const struct cli_opt *o)
{
	fputs(".TP\n", f);
	if (o->key < 256)
		fprintf(f, "\\fB\\-%c\\fR, ", o->key);
	fputs("\\fB\\-\\-", f);
	roffs(f, o->name);
	fputs("\\fR", f);
	if (o->arg) {
		fputs(" \\fI", f);
		roffs(f, o->arg);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roffs(f, o->help);
	fputc('\n', f);
}

static void man_command(FILE *f, const struct cli_cmd *c)
{
	struct cli_opt all[80];
	const char *name, *help;

	fputs(".SS \"", f);
	roffs(f, c->name);
	fputs("\"\n.B nettrail ", f);
	roffs(f, c->name);
	fputs("\n", f);
	roffs(f, c->synopsis);
	fputs("\n.PP\n", f);
	roffs(f, c->help);
	fputc('\n', f);
	if (cli_cmd_opts(c, all, 80))
		fputs(".PP\nOptions:\n", f);
	for (const struct cli_opt *o = all; o->name; o++)
		man_option(f, o);
	if (c->details) {
		fputs(".PP\n", f);
		roff_text(f, c->details);
	}
	if (c->list_title) {
		fputs(".PP\n", f);
		roffs(f, c->list_title);
		fputs(":\n", f);
	}
	for (int i = 0; c->list && c->list(i, &name, &help); i++) {
		fputs(".TP\n.B ", f);
		roffs(f, name);
		fputc('\n', f);
		roffs(f, help);
		fputc('\n', f);
	}
	if (c->exits) {
		fputs(".PP\nExit codes:", f);
		for (const char *e = c->exits; *e; e++)
			fprintf(f, "%s %c", e == c->exits ? "" : ",", *e);
		fputs(" (EXIT STATUS).\n", f);
	}
}

void cli_help_man(FILE *f)
{
	fprintf(f,
		".\\\" generated by 'nettrail help --man' from the tables in cli/; do not edit\n"
		".TH NETTRAIL 1 \"\" \"nettrail %s\" \"nettrail manual\"\n"
		".nh\n.ad l\n" /* options are not hyphenated, nor spaced out */
		".SH NAME\nnettrail \\- capture, import, analyze and report Linux kernel "
		"network traces\n.SH SYNOPSIS\n.B nettrail\n.I COMMAND\n[\\fIARGS\\fR]\n"
		".SH DESCRIPTION\n",
		NT_VERSION);
	roff_text(f, intro);
	fputs(".PP\nThe commands:\n", f);
	for (size_t i = 0; i < cli_ncommands; i++) {
		fputs(".TP\n.B ", f);
		roffs(f, cli_commands[i].name);
		fputc('\n', f);
		roffs(f, cli_commands[i].help);
		fputc('\n', f);
	}
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < cli_ncommands; i++)
		man_command(f, &cli_commands[i]);
	fputs(".SH \"EXIT STATUS\"\n", f);
	for (int i = 0; i <= NT_EXIT_CLAIM; i++) {
		fprintf(f, ".TP\n.B %d\n", i);
		roffs(f, cli_exit_text[i]);
		fputc('\n', f);
	}
	fputs(".SH \"SEE ALSO\"\n.BR trace\\-cmd (1),\n.BR perf (1),\n.BR lttng (1),\n"
	      ".BR sqlite3 (1)\n",
	      f);
}

/* The words of @arg when it is a choice ("ftrace|perf|lttng"), space-separated, or "". */
static void choices(FILE *f, const char *arg)
{
	if (!strchr(arg, '|') || strpbrk(arg, "[] ."))
		return;
	for (const char *a = arg; *a; a++)
		fputc(*a == '|' ? ' ' : *a, f);
}

static void bash_command(FILE *f, const struct cli_cmd *c)
{
	struct cli_opt all[80];
	int n = cli_cmd_opts(c, all, 80);

	fprintf(f, "\t%s)\n\t\topts='", c->name);
	for (int i = 0; i < n; i++)
		if (all[i].key < 256)
			fprintf(f, "-%c ", all[i].key);
	for (int i = 0; i < n; i++)
		fprintf(f, "--%s%s", all[i].name, i + 1 < n ? " " : "");
	fputs("'\n\t\targs='", f);
	for (int i = 0; i < n; i++) {
		if (!all[i].arg)
			continue;
		if (all[i].key < 256)
			fprintf(f, " -%c", all[i].key);
		fprintf(f, " --%s", all[i].name);
	}
	fputs(" '\n", f);
	for (int i = 0; i < n; i++)
		if (all[i].arg && strchr(all[i].arg, '|') && !strpbrk(all[i].arg, "[] .")) {
			fprintf(f, "\t\t[ \"$prev\" = --%s ] && choices='", all[i].name);
			choices(f, all[i].arg);
			fputs("'\n", f);
		}
	if (!strcmp(c->name, "help"))
		fputs("\t\twords=$cmds\n", f);
	if (!strcmp(c->name, "vm"))
		fputs("\t\t[ \"$COMP_CWORD\" -eq 2 ] && words='record fetch'\n", f);
	fputs("\t\t;;\n", f);
}

void cli_help_bash(FILE *f)
{
	fputs("# bash completion for nettrail(1): generated by 'nettrail help --completion bash'\n"
	      "# from the tables in cli/; do not edit\n"
	      "_nettrail()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal cmds='",
	      f);
	for (size_t i = 0; i < cli_ncommands; i++)
		fprintf(f, "%s%s", i ? " " : "", cli_commands[i].name);
	fputs("'\n\tlocal opts= args= choices= words= i\n"
	      "\tCOMPREPLY=()\n"
	      "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$cmds --help --version\" -- \"$cur\"))\n"
	      "\t\treturn 0\n\tfi\n"
	      "\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
	      "\t\tif [ \"${COMP_WORDS[i]}\" = -- ]; then # the traced COMMAND and its arguments\n"
	      "\t\t\tCOMPREPLY=($(compgen -c -- \"$cur\"))\n"
	      "\t\t\treturn 0\n\t\tfi\n\tdone\n"
	      "\tcase ${COMP_WORDS[1]} in\n",
	      f);
	for (size_t i = 0; i < cli_ncommands; i++)
		bash_command(f, &cli_commands[i]);
	fputs("\tesac\n"
	      "\tif [ -n \"$choices\" ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$choices\" -- \"$cur\"))\n"
	      "\telif [[ \" $args \" == *\" $prev \"* ]]; then # an option's argument\n"
	      "\t\tcompopt -o filenames 2>/dev/null\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\telif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telif [ -n \"$words\" ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tcompopt -o filenames 2>/dev/null\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\tfi\n"
	      "\treturn 0\n}\n"
	      "complete -F _nettrail nettrail\n",
	      f);
}
