# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# proc.sh - processes and ports of the test servers (bash; sourced)
#
# The one place that says whether a process still runs.  common.sh sources
# it for the tests; slapd.sh, postfix.sh and samba.sh source it themselves,
# because they are also used without common.sh (selftest.sh,
# samba-selftest.sh, bench/run, samba.sh's namespace helpers).  Defining
# functions is all it does.
#
#   pid_alive PID          PID runs (a zombie counts as ended)
#   pid_wait_gone PID SECS wait until PID has ended; false after SECS seconds
#   pgrp_pids PGID         the live processes of process group PGID, one a line
#   pgrp_alive PGID        a live process is left in process group PGID
#   child_wait PID         wait for the background job PID even when a
#                          trapped signal interrupts `wait`; its exit status
#   free_port              a TCP port on 127.0.0.1 that is free right now
#
# Processes are only ever looked at here, by PID; the callers signal them
# by PID or by their own process group, never by name.

# (the fields of /proc/PID/stat after "(comm) " are: state ppid pgrp ...;
# comm may hold spaces and parentheses)
pid_alive() {
	local st
	case ${1-} in '' | *[!0-9]*) return 1 ;; esac
	{ read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
	st=${st##*) }
	st=${st%% *}
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pid_wait_gone() {
	local pid=$1 i
	for ((i = 0; i < $2 * 20; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.05
	done
	! pid_alive "$pid"
}

pgrp_pids() {
	local pg=$1 f st
	for f in /proc/[0-9]*/stat; do
		{ read -r st <"$f"; } 2>/dev/null || continue
		# shellcheck disable=SC2086  # split on purpose: state ppid pgrp ...
		set -- ${st##*) }
		if [ "${3-}" = "$pg" ] && [ "${1-}" != Z ] && [ "${1-}" != X ]; then
			printf '%s\n' "${st%% *}"
		fi
	done
	return 0
}

pgrp_alive() {
	[ -n "$(pgrp_pids "$1")" ]
}

child_wait() {
	local rc
	while :; do
		rc=0
		wait "$1" || rc=$?
		kill -0 "$1" 2>/dev/null || return "$rc"
	done
}

# (the kernel picks the port: bind to port 0, read it, close; another
# process may still take it before the caller binds it)
free_port() {
	"${PYTHON3:-python3}" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}
