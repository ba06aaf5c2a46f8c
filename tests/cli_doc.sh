#!/bin/bash
# The manual page and the bash completion the build generates from the command tables: the
# page renders without a groff warning and has every command and option that `nettrail help`
# and `nettrail help CMD` print (parsed here from that text); the completion, sourced in bash,
# completes the commands, every option of each command and --backend's words. Per-command help
# lists its exit codes and import's the formats of parse/readers.c (read from the source).
. "$NT_SRC/tests/lib/common.sh"
need groff
MAN=$NT_BUILD/nettrail.1
COMP=$NT_BUILD/nettrail.bash-completion
[ -s "$MAN" ] || fail "the build wrote no '$MAN'"
[ -s "$COMP" ] || fail "the build wrote no '$COMP'"

# the commands, from `nettrail help`'s list; each command's options from its help
cmds=$("$NETTRAIL" help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
assert_eq 13 "$(echo "$cmds" | wc -w)" "commands listed by nettrail help"
opts_of() { "$NETTRAIL" help "$1" | sed -n '/^options:/,/^$/s/^  \(-., \|    \)--\([a-z-]*\).*/\2/p'; }
assert_eq "output event buffer" "$(opts_of record | head -3 | xargs)" "record's first options (the help's own order)"

# renders without warnings (groff -ww: all of them), also through man -l
warn=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
assert_eq "" "$warn" "groff -ww warnings"
if command -v man > /dev/null; then
	warn=$(MANWIDTH=80 man --warnings=w -l "$MAN" 2>&1 > /dev/null)
	assert_eq "" "$warn" "man -l warnings"
fi
text=$(groff -man -Tascii -P-cbou "$MAN" 2> /dev/null)
assert_match "^NETTRAIL\(1\)" "$text" "the page's header"

# every command has its subsection (a line of its own under COMMANDS) with all its options
n=0
for c in $cmds; do
	sect=$(printf '%s\n' "$text" | awk -v c="$c" '
		/^[A-Z]/ { inc = ($0 == "COMMANDS") }
		inc && /^   [a-z]+$/ { on = ($1 == c) }
		on')
	[ -n "$sect" ] || fail "the man page has no section for '$c'"
	for o in $(opts_of "$c"); do
		printf '%s\n' "$sect" | grep -Eq -- "--$o([^a-z-]|$)" || fail "the man page's '$c' lacks --$o"
		n=$((n + 1))
	done
	printf '%s\n' "$sect" | grep -q "Exit codes: 0" || fail "the man page's '$c' lists no exit codes"
done
echo "ok: the man page has all $(echo "$cmds" | wc -w) commands and their $n options"
assert_match "EXIT STATUS" "$text" "the page's EXIT STATUS section"

# per-command help: exit codes; lab's claims are 6; import's formats from the readers' table
for c in $cmds; do
	"$NETTRAIL" help "$c" | grep -q '^exit codes:' || fail "'help $c' lists no exit codes"
done
assert_match "  6  completed, but a claim of the lab sheet did not hold" "$("$NETTRAIL" help lab)" "help lab: exit code 6"
readers=$(sed -n '/readers\[\] = {/,/NULL/s/^\t&\(nt_[a-z_]*\),$/\1/p' "$NT_SRC/parse/readers.c")
assert_eq 6 "$(echo "$readers" | wc -w)" "readers in parse/readers.c"
formats=$("$NETTRAIL" help import | sed -n '/^formats:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
for r in $readers; do
	name=$(grep -h -A3 "^const struct nt_reader_ops $r = {" "$NT_SRC"/parse/*.c | sed -n 's/.*\.name = "\(.*\)",/\1/p' | head -1)
	[ -n "$name" ] || fail "no name found for $r"
	echo "$formats" | grep -qx -- "$name" || fail "help import does not list the format '$name'"
done
echo "ok: help import lists the formats $(echo $formats)"

# the completion: bash with COMP_WORDS as readline would set them
complete_words() { # WORD... (the last one is completed)
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _nettrail; printf "%s\n" "${COMPREPLY[@]}"' \
		sh "$COMP" nettrail "$@" 2>&1
}
assert_eq "record report restore" "$(complete_words re | sort | xargs)" "'nettrail re<TAB>'"
assert_eq "$(printf '%s\n' $cmds --help --version | sort | xargs)" "$(complete_words '' | sort | xargs)" "'nettrail <TAB>': every command"
assert_eq "--graph --graph-depth" "$(complete_words record --gra | sort | xargs)" "'record --gra<TAB>'"
assert_eq "ftrace lttng perf" "$(complete_words capture --backend '' | sort | xargs)" "'capture --backend <TAB>'"
assert_eq "fetch record" "$(complete_words vm '' | sort | xargs)" "'vm <TAB>'"
assert_eq "import info" "$(complete_words help i | sort | xargs)" "'help i<TAB>'"
mkdir "$T/d" && : > "$T/d/trace-a.dat"
assert_eq "$T/d/trace-a.dat" "$(complete_words import -o x.db "$T/d/tr")" "'import ... FILE<TAB>': files"
for c in $cmds; do
	got=$(complete_words "$c" --)
	for o in $(opts_of "$c"); do
		echo "$got" | grep -qx -- "--$o" || fail "'nettrail $c --<TAB>' does not offer --$o"
	done
done
echo "ok: the completion offers every option of every command"
echo "cli_doc: ok"
