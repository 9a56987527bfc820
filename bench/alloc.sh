#!/usr/bin/env bash
# Memory benchmark: bytes Tandem allocates per proxied keep-alive request, and what idle keep-alive connections
# cost (heap and RSS), with HAProxy's RSS at the same idle count in the same run.
#
#   bench/alloc.sh                           # launcher defaults
#   TANDEM_JAVA_OPTS="-XX:+UseSerialGC" bench/alloc.sh
#   JAVA_OPTS="..." bench/alloc.sh           # replaces the launcher's default JVM options
#
# Environment:
#   REQUESTS_SECONDS  seconds of wrk load measured for bytes per request (default 10); WARMUP seconds before (10)
#   IDLE              idle-client counts, measured in order (default "1000 8000")
#   CONNECTIONS       wrk connections (default 50)
#   TANDEM            path of the tandem launcher (default: the one built in appliance/target)
#   HISTOGRAM         if set, the top N classes of Tandem's heap (jcmd GC.class_histogram) while N idle clients are
#                     held, for each idle count: what an idle connection is made of
#   SETTLE            seconds to wait before each RSS reading (default 0): the launcher's TrimNativeHeapInterval
#                     gives freed native memory back every 5 s, so SETTLE=6 reads RSS after one trim
#   NMT               if set, Tandem runs with -XX:NativeMemoryTracking=summary and, with each RSS reading, prints
#                     what the JVM has committed per category (jcmd VM.native_memory) and the resident set split
#                     into anonymous and file-backed pages (/proc/PID/smaps_rollup); NMT's own bookkeeping adds a
#                     few MiB to the RSS it reports
#
# Bytes per request: the JVM's per-thread allocation counters (jcmd Thread.print -e, "allocated=") of the
# event-loop threads (tandem-io-*), before and after the measured wrk run, divided by the requests wrk counted.
# The counters are exact (TLAB accounting), so the figure does not depend on the machine's load. Features on: one
# worker, the access log (httplog to a file), one ACL with use-backend, round robin over two servers.
# Idle cost: bench/idle-clients.py, in a process of its own (the open-files limit), opens N connections that each
# send one request and then stay idle. After a full GC (jcmd GC.run), heap used (GC.heap_info) and RSS (VmRSS)
# are read; per connection = (figure at N - figure at 0) / N. HAProxy (nbthread 1) gets the same idle clients.
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit.
set -euo pipefail

REQUESTS_SECONDS=${REQUESTS_SECONDS:-10}
WARMUP=${WARMUP:-10}
IDLE=${IDLE:-"1000 8000"}
CONNECTIONS=${CONNECTIONS:-50}
SETTLE=${SETTLE:-0}
PIN=0

bench_name=alloc.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

start_tandem() {
    tandem_port=$(free_port)
    cat >"$work/tandem.yaml" <<YAML
global: { workers: 1, maxconn: 9000, log: "file:$work/access.log" }
defaults:
  timeout: { connect: 5s, client: 300s, server: 30s, http-request: 10s, http-keep-alive: 300s }
l7:
  frontends:
    fe:
      bind: 127.0.0.1:$tandem_port
      acl:
        is_api: path_beg /api/
      use-backend:
        - api if is_api
      default-backend: be
  backends:
    be:
      balance: roundrobin
      servers:
        s1: 127.0.0.1:$nginx_port
        s2: 127.0.0.1:$nginx_port
    api:
      servers:
        a1: 127.0.0.1:$nginx_port
YAML
    "$TANDEM" check -c "$work/tandem.yaml" || die "tandem check rejected $work/tandem.yaml"
    "$TANDEM" run -c "$work/tandem.yaml" >>"$work/tandem.log" 2>&1 &
    tandem_pid=$!
    pids+=("$tandem_pid")
    wait_http "$tandem_port" "$tandem_pid" tandem
    tandem_started "$tandem_pid"
}

start_haproxy() {
    haproxy_port=$(free_port)
    cat >"$work/haproxy.cfg" <<CFG
global
    nbthread 1
    maxconn 9000

defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 300s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 300s

frontend fe
    bind 127.0.0.1:$haproxy_port
    default_backend be

backend be
    server s1 127.0.0.1:$nginx_port
CFG
    haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy -c rejected $work/haproxy.cfg"
    haproxy -f "$work/haproxy.cfg" -db >>"$work/haproxy.log" 2>&1 &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    wait_http "$haproxy_port" "$haproxy_pid" haproxy
}

# Bytes allocated so far by the event-loop threads of JVM PID.
loop_allocated() {
    jcmd "$1" Thread.print -e | awk '
        /^"tandem-io-/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^allocated=/) {
                v = substr($i, 11); unit = substr(v, length(v)); n = substr(v, 1, length(v) - 1) + 0
                if (unit == "K") n *= 1024; else if (unit == "M") n *= 1048576; else if (unit == "G") n *= 1073741824
                total += n
            }
        }
        END { printf "%.0f\n", total }'
}

# Heap used after a full GC of JVM PID, in KiB.
heap_used_kib() {
    jcmd "$1" GC.run >/dev/null
    # One line per generation ("... total NK, used NK ..."); Metaspace lines have no "total".
    jcmd "$1" GC.heap_info | awk '/ total / && / used / {
        for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); sum += v } }
        END { print sum + 0 }'
}

# VmRSS of PID in KiB, after SETTLE seconds; with NMT, prints where the JVM's memory is first (to stderr, so that
# the caller's capture holds only the figure).
rss_now() {
    [ "$SETTLE" = 0 ] || sleep "$SETTLE"
    if [ -n "${NMT:-}" ] && [ "$1" = "$tandem_pid" ]; then
        native_memory "$1" >&2
    fi
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# One line of the JVM's committed memory per NMT category (MiB), and the resident set's anonymous and file pages.
native_memory() {
    jcmd "$1" VM.native_memory summary scale=KB | awk '
        /^-/ && /committed=/ {
            name = $0; sub(/^- */, "", name); sub(/ *\(.*/, "", name)
            c = $0; sub(/.*committed=/, "", c); sub(/KB.*/, "", c)
            if (c + 0 >= 512) line = line sprintf("%s %.0f, ", name, c / 1024)
        }
        END { sub(/, $/, "", line); print "  tandem NMT committed MiB: " line }'
    awk '/^Rss:/ { rss = $2 } /^Anonymous:/ { anon = $2 }
        END { printf "  tandem resident %.0f MiB: %.0f MiB anonymous, %.0f MiB file-backed\n", rss / 1024, anon / 1024,
            (rss - anon) / 1024 }' \
        "/proc/$1/smaps_rollup"
}

# hold_idle PORT N: starts N idle clients on PORT and waits until they are all open; sets idle_pid and idle_in.
hold_idle() {
    local port=$1 n=$2 line
    coproc IDLE_CLIENTS { exec python3 "$repo/bench/idle-clients.py" "$port" "$n"; }
    idle_pid=$IDLE_CLIENTS_PID
    pids+=("$idle_pid")
    read -r line <&"${IDLE_CLIENTS[0]}" || die "idle clients (pid $idle_pid) on :$port failed"
    [ "$line" = "ready $n" ] || die "idle clients said '$line', not 'ready $n'"
}

release_idle() {
    echo done >&"${IDLE_CLIENTS[1]}"
    stop_pid "$idle_pid"
}

main() {
    require_tools haproxy:haproxy nginx:nginx wrk:wrk curl:curl python3:python3
    build_tandem
    if [ -n "${NMT:-}" ]; then
        export TANDEM_JAVA_OPTS="${TANDEM_JAVA_OPTS:-} -XX:NativeMemoryTracking=summary"
    fi
    ulimit -n "$(ulimit -Hn)"
    cd "$work"
    start_nginx "    keepalive_requests 1000000000;
    keepalive_timeout 300s;"
    start_tandem
    start_haproxy
    echo "nginx pid $nginx_pid | tandem (java) pid $tandem_pid :$tandem_port | haproxy pid $haproxy_pid :$haproxy_port"
    echo "tandem JVM: $(tr '\0' ' ' <"/proc/$tandem_pid/cmdline" | sed 's/ -cp .*//')"
    echo

    # Idle baseline of a fresh process, before any load (the JIT has compiled nothing of the data path yet).
    local heap0 rss0 h_rss0
    heap0=$(heap_used_kib "$tandem_pid"); rss0=$(rss_now "$tandem_pid"); h_rss0=$(rss_now "$haproxy_pid")

    run_wrk "$tandem_port" "$WARMUP" >/dev/null
    local a0 a1 out requests
    a0=$(loop_allocated "$tandem_pid")
    out=$(wrk -t1 -c"$CONNECTIONS" -d"${REQUESTS_SECONDS}s" "http://127.0.0.1:$tandem_port/")
    a1=$(loop_allocated "$tandem_pid")
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    echo "allocation: $requests requests (wrk -t1 -c$CONNECTIONS -d${REQUESTS_SECONDS}s, access log on)," \
        "event loop allocated $((a1 - a0)) B: $(((a1 - a0) / requests)) B/request"
    echo "access-log lines written: $(wc -l <"$work/access.log")"
    echo

    # Heap and RSS after the load, no idle clients: the base the idle connections add to.
    local heap_base rss_base
    heap_base=$(heap_used_kib "$tandem_pid"); rss_base=$(rss_now "$tandem_pid")
    echo "fresh: tandem heap used $((heap0 / 1024)) MiB, RSS $((rss0 / 1024)) MiB; haproxy RSS $((h_rss0 / 1024)) MiB"
    echo "after load, 0 idle: tandem heap used $((heap_base / 1024)) MiB, RSS $((rss_base / 1024)) MiB"
    printf '%-6s  %14s  %14s  %12s  %12s  %12s\n' idle tandem_heap_MiB heap_B/conn tandem_RSS_MiB RSS_B/conn haproxy_RSS_MiB
    local n heap rss h_rss
    for n in $IDLE; do
        hold_idle "$tandem_port" "$n"
        heap=$(heap_used_kib "$tandem_pid"); rss=$(rss_now "$tandem_pid")
        if [ -n "${HISTOGRAM:-}" ]; then
            echo "heap histogram at $n idle (top $HISTOGRAM):"
            jcmd "$tandem_pid" GC.class_histogram | sed -n "3,$((HISTOGRAM + 3))p"
        fi
        release_idle
        hold_idle "$haproxy_port" "$n"
        h_rss=$(rss_now "$haproxy_pid")
        release_idle
        printf '%-6s  %14s  %14s  %12s  %12s  %12s\n' "$n" "$((heap / 1024))" "$(((heap - heap_base) * 1024 / n))" \
            "$((rss / 1024))" "$(((rss - rss_base) * 1024 / n))" "$((h_rss / 1024))"
    done
    echo "peak RSS (VmHWM): tandem $(($(rss_of "$tandem_pid") / 1024)) MiB, haproxy $(($(rss_of "$haproxy_pid") / 1024)) MiB"
}

main "$@"
