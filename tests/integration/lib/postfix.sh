# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# postfix.sh -- run a private, throw-away Postfix instance for ad2relay's
# integration tests.  Source it from a bash test script (after common.sh):
#
#     . "$top_srcdir/tests/integration/lib/postfix.sh"
#     postfix_setup "$T/postfix" 'relay_domains = example.org' ...
#     on_exit postfix_stop "$T/postfix"
#     postfix_start "$T/postfix"           # exports POSTFIX_PORT, POSTFIX_PID
#     python3 "$POSTFIX_LIBDIR/postfix_probe.py" "$POSTFIX_PORT" a@example.org
#     postfix_stop "$T/postfix"            # verifies every process is gone
#
# Everything lives in DIR: DIR/etc (config_directory: main.cf, master.cf),
# DIR/spool (queue_directory), DIR/data (data_directory), DIR/maillog
# (maillog_file; nothing goes to syslog).  Nothing under /etc/postfix is
# read or written, except that the stock meta files (postfix-files,
# dynamicmaps.cf, which makes cdb: available) are read from meta_directory.
# The system Postfix is neither configured nor started.
#
# smtpd listens on 127.0.0.1:PORT only (a free port chosen at start) and
# is the only network service; the client address 127.0.0.1 is NOT in
# mynetworks, so relaying is decided by relay_domains and
# relay_recipient_maps alone.  Every accepted message would be discarded
# (default/relay transport discard:), and nothing is ever delivered.
#
# Processes are started with "postfix -c DIR/etc start" (master -w: returns
# once master is initialised) and stopped with "postfix -c DIR/etc stop";
# postfix_stop then checks by PID and process group that master and all of
# its children have exited.  The functions print "postfix.sh: ..." on
# stderr and return non-zero on failure; they never exit.

POSTFIX_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export POSTFIX_LIBDIR
# pid_alive, pgrp_pids, free_port
# shellcheck source=proc.sh
. "$POSTFIX_LIBDIR/proc.sh"

: "${POSTFIX_CMD:=/usr/sbin/postfix}"
: "${POSTCONF_CMD:=/usr/sbin/postconf}"
: "${PYTHON3:=/usr/bin/python3}"
[ -x "$PYTHON3" ] || PYTHON3=python3

_postfix_err() { printf 'postfix.sh: %s\n' "$*" >&2; }

# postfix_procs PID -- PIDs of the live processes (zombies excluded) of
# the process group PID: master and its children (master makes itself a
# session leader, so its PID is their process group).  Empty when none.
postfix_procs() {
    pgrp_pids "$1"
}

# postfix_setup DIR [MAIN.CF LINE...]
#   Write DIR/etc/main.cf and DIR/etc/master.cf and create the queue and
#   data directories.  Extra arguments are main.cf lines ("name = value"),
#   appended after the defaults (the last setting of a name wins).  The
#   smtpd port is filled in by postfix_start.  Exports POSTFIX_DIR,
#   POSTFIX_CONFIG (DIR/etc), POSTFIX_MAILLOG.
postfix_setup() {
    local dir=${1:?usage: postfix_setup DIR [MAIN.CF LINE...]} line
    shift
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    id postfix >/dev/null 2>&1 || { _postfix_err "no user 'postfix'"; return 1; }
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data" || return 1
    # The daemons drop privileges to mail_owner; they chdir to the queue
    # directory as root first, but postlogd, for instance, opens
    # maillog_file by path.  Let mail_owner traverse the way there.
    chmod 755 "$dir" "$dir/etc" "$dir/spool" || return 1
    chown postfix "$dir/data" && chmod 700 "$dir/data" || return 1
    # master opens data_directory/master.lock as mail_owner: every
    # directory above DIR must be searchable by it (mktemp -d makes 0700).
    if command -v setpriv >/dev/null 2>&1 &&
        ! setpriv --reuid=postfix --regid=postfix --clear-groups test -x "$dir/data/." 2>/dev/null; then
        _postfix_err "user postfix cannot reach $dir/data: make the directories above $dir searchable (chmod o+x)"
        return 1
    fi
    : >"$dir/maillog"

    {
        cat <<EOF
# main.cf written by tests/integration/lib/postfix.sh for $dir
compatibility_level = 3.6
config_directory = $dir/etc
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = mx.test.invalid
mydomain = test.invalid
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.2/32
smtputf8_enable = yes
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
default_transport = discard:
relay_transport = discard:
local_transport = error:no local delivery
alias_maps =
alias_database =
local_recipient_maps =
biff = no
append_dot_mydomain = no
readme_directory = no
smtpd_banner = \$myhostname ESMTP
EOF
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$dir/etc/main.cf" || return 1
    POSTFIX_DIR=$dir
    POSTFIX_CONFIG=$dir/etc
    POSTFIX_MAILLOG=$dir/maillog
    export POSTFIX_DIR POSTFIX_CONFIG POSTFIX_MAILLOG
}

# _postfix_master_cf DIR PORT -- the services an smtpd that accepts and
# discards needs: smtpd itself, cleanup (a queue file is created with the
# first accepted recipient), rewrite (trivial-rewrite resolves addresses
# for reject_unauth_destination), qmgr and discard (delivery), bounce,
# anvil (client limits), flush, and postlog for maillog_file.  No chroot.
_postfix_master_cf() {
    cat >"$1/etc/master.cf" <<EOF
# master.cf written by tests/integration/lib/postfix.sh
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$2 inet n   -       n       -       -       smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
flush     unix  n       -       n       1000?   0       flush
anvil     unix  -       -       n       -       1       anvil
discard   unix  -       -       n       -       -       discard
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# postfix_start DIR [PORT]
#   Write master.cf for smtpd on 127.0.0.1:PORT (default: a free port;
#   when that port is taken meanwhile, retry with another), then
#   "postfix -c DIR/etc start".  Waits until smtpd's port accepts
#   connections.  Exports POSTFIX_PORT and POSTFIX_PID (master) and writes
#   them to DIR/port and DIR/master.pid.
postfix_start() {
    local dir=${1:?usage: postfix_start DIR [PORT]} port=${2:-} auto=0 pid i
    dir=$(cd "$dir" && pwd) || return 1
    [ -f "$dir/etc/main.cf" ] || { _postfix_err "$dir: run postfix_setup first"; return 1; }
    [ -n "$port" ] || auto=1
    for _ in 1 2 3 4 5; do
        [ "$auto" = 0 ] || port=$(free_port) || return 1
        _postfix_master_cf "$dir" "$port" || return 1
        : >"$dir/start.log"
        if "$POSTFIX_CMD" -c "$dir/etc" start >>"$dir/start.log" 2>&1; then
            pid=$(sed -n '1s/[^0-9]//gp' "$dir/spool/pid/master.pid" 2>/dev/null) || pid=
            if [ -z "$pid" ] || ! pid_alive "$pid"; then
                _postfix_err "master started but $dir/spool/pid/master.pid names no live process"
                cat "$dir/start.log" >&2
                return 1
            fi
            echo "$pid" >"$dir/master.pid"
            echo "$port" >"$dir/port"
            POSTFIX_PID=$pid
            POSTFIX_PORT=$port
            export POSTFIX_PID POSTFIX_PORT
            # master -w returns once master has bound its sockets; make
            # sure the listener really answers before the first session.
            for ((i = 0; i < 200; i++)); do
                if "$PYTHON3" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; then
                    return 0
                fi
                sleep 0.025
            done
            _postfix_err "smtpd does not accept connections on 127.0.0.1:$port"
            tail -n 20 "$dir/maillog" >&2
            postfix_stop "$dir"
            return 1
        fi
        if [ "$auto" = 1 ] && grep -q 'Address already in use' "$dir/start.log" "$dir/maillog" 2>/dev/null; then
            continue
        fi
        break
    done
    _postfix_err "postfix -c $dir/etc start failed:"
    cat "$dir/start.log" >&2
    tail -n 20 "$dir/maillog" >&2
    return 1
}

# postfix_stop DIR
#   "postfix -c DIR/etc stop", then wait (up to 5 s) until the master
#   recorded by postfix_start and every process of its process group
#   (master runs its children in its own session) have exited; SIGKILL to
#   that group as a last resort, and return non-zero then.  Returns 0 when
#   nothing was running.  Safe in EXIT traps.
postfix_stop() {
    local dir=${1:?usage: postfix_stop DIR} pid i left rc=0
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd) || return 0
    pid=$(cat "$dir/master.pid" 2>/dev/null) || pid=
    [ -n "$pid" ] || return 0
    if pid_alive "$pid"; then
        "$POSTFIX_CMD" -c "$dir/etc" stop >>"$dir/stop.log" 2>&1 || {
            _postfix_err "postfix -c $dir/etc stop failed:"
            cat "$dir/stop.log" >&2
            rc=1
        }
    fi
    for ((i = 0; i < 250; i++)); do
        left=$(postfix_procs "$pid")
        if [ -z "$left" ]; then
            rm -f "$dir/master.pid"
            return "$rc"
        fi
        sleep 0.02
    done
    _postfix_err "master $pid or its processes (${left//$'\n'/ }) still running; killing them"
    # Only our own process group: master made itself a session leader.
    [ -z "$left" ] || kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/master.pid"
    return 1
}
