# Sourced: tracefs_snapshot prints every top-level tracefs setting a capture could change, the
# list of instances, and the settings of a foreign instance, so a test can compare before/after.
TRACEFS=${TRACEFS:-/sys/kernel/tracing}
tracefs_snapshot() {
	local f
	for f in current_tracer tracing_on buffer_size_kb buffer_percent trace_clock set_event \
		 set_event_pid set_ftrace_pid tracing_cpumask trace_options saved_cmdlines_size \
		 tracing_thresh events/enable buffer_subbuf_size_kb; do
		[ -r "$TRACEFS/$f" ] && printf '%s: %s\n' "$f" "$(tr '\n' ' ' < "$TRACEFS/$f" 2>&1)"
	done
	for f in "$TRACEFS"/per_cpu/cpu*/buffer_size_kb; do printf '%s: %s\n' "$f" "$(cat "$f")"; done
	echo "instances: $(ls "$TRACEFS/instances" | tr '\n' ' ')"
	for f in $(find "$TRACEFS/instances" -mindepth 1 -maxdepth 1 -type d | sort); do
		case "$f" in */nettrail-*) continue ;; esac
		printf '%s: %s | %s | %s\n' "$f" "$(cat "$f/set_event" | tr '\n' ' ')" \
			"$(cat "$f/tracing_on")" "$(cat "$f/buffer_size_kb")"
	done
}
