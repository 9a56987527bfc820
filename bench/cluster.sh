#!/usr/bin/env bash
# Cluster benchmark (issue 16): replication delay, state transfer, memory per entry, and the L7 cost of
# replication, each printed next to its target.
#
#   bench/cluster.sh                       # everything, the issue's figures
#   ENTRIES=200000 ROUNDS=1 bench/cluster.sh
#   PARTS=l7 ROUNDS=5 bench/cluster.sh     # only the L7 on/off rounds
#
# Environment:
#   RATE         updates a second for the replication delay (default 10000)
#   SECONDS_     measured seconds of the replication run (default 20), after WARMUP_S seconds (default 5)
#   ENTRIES      entries in the state transfer and the memory figure (default 1000000)
#   ROUNDS       L7 rounds per mode, alternating replication off / on (default 3)
#   DURATION     seconds per L7 round (default 10); WARMUP seconds of warm-up per daemon start (default 10)
#   CONNECTIONS  wrk connections (default 50)
#   PIN          1 (default): the node under test's event loop on CPU 1, wrk, nginx and its peer on CPU 0
#   PARTS        which parts run (default "driver l7"): driver (1 and 2 below), l7 (3)
#   TANDEM       path of the tandem launcher (default: the one built in appliance/target)
#
# What runs:
#   1. Replication delay and 2. state transfer + memory: io.tandem.cluster.ClusterBench (cluster's test classes),
#      two ClusterNodes (the real JGroups stack: TCP, authentication, encryption) in one JVM on 127.0.0.1, each
#      with a table like a frontend's that sticks and rate-limits (type ip, a server, http_req_rate(10s)).
#      Delay: node a sticks RATE new keys a second; a reader on b polls each key in order; from a's write to the
#      entry on b. Transfer: a holds ENTRIES entries and b joins: from b's start to ready (join + transfer).
#      The transfer runs with the heap bin/tandem gives a cluster node whose table holds ENTRIES (transfer_heap), on
#      both CPUs: on a pair the provider and the joiner are two machines, here each gets about one core.
#      Memory: heap after full collections, before and after each table filled (serial GC, so "used" is exact).
#   3. L7 rps: `tandem run` with a frontend that tracks a cookie (a new entry, so a replicated update, on every
#      request: wrk sends a new SID each time) in front of nginx, and a second `tandem run` as its peer on the load
#      CPU, in both modes. Off: no cluster section on either. On: a cluster section on both, joined before the
#      round starts. Ratio of the medians, on / off. Each round also prints the node under test's event-loop CPU
#      per request (loop_us/req: what replication costs the data path itself) and how busy the load CPU was
#      (load_cpu%: near 100, the rate is set by wrk, nginx and the cluster threads sharing that CPU, not by the proxy).
#
# Targets (printed PASS/FAIL; the exit status is 0 unless the setup itself failed): replication p99 <= 20 ms at
# 10k updates/s; state transfer of 1M entries <= 5 s; L7 rps on/off >= 0.95. Memory per entry is reported.
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit.
set -euo pipefail

RATE=${RATE:-10000}
SECONDS_=${SECONDS_:-20}
WARMUP_S=${WARMUP_S:-5}
ENTRIES=${ENTRIES:-1000000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
CONNECTIONS=${CONNECTIONS:-50}
PIN=${PIN:-1}
PARTS=${PARTS:-driver l7}

bench_name=cluster.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

case $RATE$SECONDS_$WARMUP_S$ENTRIES$ROUNDS$DURATION$WARMUP in
    *[!0-9]*) die "RATE, SECONDS_, WARMUP_S, ENTRIES, ROUNDS, DURATION and WARMUP are whole numbers" ;;
esac

bench_class=$repo/cluster/target/test-classes/io/tandem/cluster/ClusterBench.class

# Builds the launcher (package compiles the test classes too) when it or the driver is missing.
build() {
    if [ ! -f "$bench_class" ]; then
        rm -f "$TANDEM"
    fi
    build_tandem
    [ -f "$bench_class" ] || die "no $bench_class after the build"
}

# driver load|both "JVM OPTIONS" ARGS...: runs ClusterBench with the distribution's jars, on the load CPU or on both
# CPUs; prints its name=value lines.
driver() {
    local jvm cpus=()
    [ "$1" = load ] && cpus=("${load_cpu[@]}")
    read -r -a jvm <<<"$2"
    shift 2
    "${cpus[@]}" java "${jvm[@]}" -cp "$repo/cluster/target/test-classes:$(dirname "$TANDEM")/../lib/*" \
        io.tandem.cluster.ClusterBench "$@" 2>>"$work/driver.log"
}

# The heap bin/tandem gives a cluster node whose table holds ENTRIES (JvmBudget: 36 MiB, a 12 MiB young
# generation, and 512 B per entry in the start, since a joining node receives its tables at once), twice: the
# driver runs both nodes in one JVM.
transfer_heap() {
    local start=$(( 2 * (36 + ENTRIES * 512 / 1048576) ))
    echo "-Xms${start}m -Xmx$(( start * 2 ))m -Xmn12m"
}

value() { sed -n "s/^$1=//p" <<<"$2"; }

cluster_port() {
    # Two consecutive free ports, each with its failure-detection port (+100) free too.
    local p
    for _ in $(seq 1 50); do
        p=$(free_port)
        if [ -z "$(ss -Htan "( sport = :$((p + 1)) or sport = :$((p + 100)) or sport = :$((p + 101)) )")" ]; then
            echo "$p"
            return 0
        fi
    done
    die "no free cluster ports"
}

replication_and_transfer() {
    local out p99 ready
    echo "replication: $RATE updates/s for ${SECONDS_}s (after ${WARMUP_S}s of warm-up), a -> b"
    out=$(driver load -Xmx1g replication "$RATE" "$SECONDS_" "$WARMUP_S" "$(cluster_port)") || die "driver failed: $(tail -5 "$work/driver.log")"
    echo "$out" | sed 's/^/  /'
    p99=$(value replication_p99_ms "$out")
    repl_line="$(verdict "$p99" 20 le) replication delay p99 $p99 ms <= 20 ms at $(value replication_rate_achieved "$out") updates/s (lost $(value replication_lost "$out"))"

    echo "state transfer: $ENTRIES entries to a joining node"
    out=$(driver both "$(transfer_heap) -XX:+UseSerialGC" transfer "$ENTRIES" "$(cluster_port)") || die "driver failed: $(tail -5 "$work/driver.log")"
    echo "$out" | sed 's/^/  /'
    ready=$(value transfer_ready_ms "$out")
    transfer_line="$(verdict "$ready" $((5000 * ENTRIES / 1000000)) le) state transfer of $ENTRIES entries: ready after $ready ms <= $((5000 * ENTRIES / 1000000)) ms (5 s per million)"
    memory_line="memory per replicated entry: $(value memory_replica_bytes_per_entry "$out") bytes on the receiver ($(value memory_origin_bytes_per_entry "$out") bytes in the origin's table)"
}

# tandem_config NAME PORT [CLUSTER_SELF CLUSTER_PEER]: the L7 config of the node under test (or its peer).
tandem_config() {
    local name=$1 port=$2
    cat <<EOF
global: { name: $name, workers: 1, maxconn: 8000, log: none }
l7:
  frontends:
    fe:
      bind: 127.0.0.1:$port
      stick-table: { type: string, size: 4m, expire: 5m, store: [ "http_req_rate(10s)" ] }
      http-request:
        - track-sc0 req.cook(SID)
        - deny deny_status 429 if { sc_http_req_rate(0) gt 1000000 }
      default-backend: be
  backends:
    be:
      servers:
        s1: 127.0.0.1:$nginx_port
admin: { socket: $work/$name.sock }
EOF
    if [ $# -ge 4 ]; then
        cat <<EOF
cluster:
  name: bench-pair
  bind: 127.0.0.1:$3
  members: [127.0.0.1:$3, 127.0.0.1:$4]
  secret: file:$work/cluster.key
EOF
    fi
}

# write_config NAME PORT [SELF PEER]: NAME.yaml (with a cluster on ports SELF and PEER), checked.
write_config() {
    local name=$1 port=$2
    shift 2
    tandem_config "$name" "$port" "$@" >"$work/$name.yaml"
    "$TANDEM" check -c "$work/$name.yaml" >/dev/null || die "tandem check rejected $work/$name.yaml"
}

# A wrk script: every request a new SID cookie, so every request makes a new entry to replicate.
write_lua() {
    cat >"$work/new-sid.lua" <<'EOF'
local n = 0
request = function()
    n = n + 1
    return wrk.format(nil, nil, { ["Cookie"] = "SID=" .. string.format("%x-%d", math.random(0, 0x7fffffff), n) })
end
EOF
}

# l7_round MODE: one measured round. Both modes run the same two processes on the same CPUs, the node under test
# and its peer (started first, so that it is the coordinator a joins, as a restarted node would): off, neither has
# a cluster section; on, both have. The peer's own work (applying a's updates) shares the load CPU with wrk and
# nginx in "on" only, which counts against the cluster, never for it.
l7_round() {
    local mode=$1 port peer_port c1="" c2="" a_pid b_pid
    port=$(free_port)
    peer_port=$(free_port)
    if [ "$mode" = on ]; then
        c1=$(cluster_port)
        c2=$((c1 + 1))
    fi
    write_config b "$peer_port" ${c2:+"$c2" "$c1"}
    "${load_cpu[@]}" "$TANDEM" run -c "$work/b.yaml" >>"$work/b.log" 2>&1 &
    b_pid=$!
    pids+=("$b_pid")
    wait_http "$peer_port" "$b_pid" b
    write_config a "$port" ${c1:+"$c1" "$c2"}
    "${tandem_cpu[@]}" "$TANDEM" run -c "$work/a.yaml" >>"$work/a.log" 2>&1 &
    a_pid=$!
    pids+=("$a_pid")
    wait_http "$port" "$a_pid" a
    tandem_started "$a_pid" >/dev/null
    if [ "$mode" = on ]; then
        # Whichever came up first, the view that holds both is logged by each.
        wait_until "$a_pid" a "join b" grep -q "members \[[ab], [ab]\]" "$work/a.log"
    fi
    run_wrk "$port" "$WARMUP" -s "$work/new-sid.lua" >/dev/null
    local result l0 l1 c0 c1 rps
    l0=$(loop_ticks_of "$a_pid"); c0=$(load_cpu_ticks)
    result=$(run_wrk "$port" "$DURATION" -s "$work/new-sid.lua")
    l1=$(loop_ticks_of "$a_pid"); c1=$(load_cpu_ticks)
    read -r rps _ <<<"$result"
    # The event loop's CPU per request (the data path's own cost of replication) and how busy the load CPU was.
    result+=" $(cpu_per_request $((l1 - l0)) "$rps" "$DURATION") $(awk -v a="$c0" -v b="$c1" \
        'BEGIN { split(a, x); split(b, y); t = y[2] - x[2]; printf "%.0f", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }')"
    if [ "$mode" = on ]; then
        "$TANDEM" ctl -s "$work/a.sock" show cluster 2>/dev/null | sed -n 's/^queue /  a: queue /p' >>"$work/replicated"
    fi
    stop_pid "$b_pid"
    stop_pid "$a_pid"
    echo "$result"
}

# "busy total" clock ticks of the load CPU (CPU 0, or all CPUs without pinning), from /proc/stat.
load_cpu_ticks() {
    local line
    if [ ${#load_cpu[@]} -gt 0 ]; then line=cpu0; else line=cpu; fi
    awk -v l="$line" '$1 == l { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

l7_on_off() {
    local off="" on="" mode result rps err loop_us load_busy errors=0
    write_lua
    head -c 32 /dev/urandom | base64 >"$work/cluster.key"
    echo "L7: wrk -t1 -c$CONNECTIONS -d${DURATION}s, a new SID cookie (a new tracked entry) per request, $ROUNDS rounds per mode"
    printf '  %-5s  %-12s  %10s  %6s  %12s  %9s\n' round replication rps errors loop_us/req load_cpu%
    for round in $(seq 1 "$ROUNDS"); do
        for mode in off on; do
            result=$(l7_round "$mode")
            read -r rps _ err loop_us load_busy <<<"$result"
            errors=$((errors + err))
            printf '  %-5s  %-12s  %10s  %6s  %12s  %9s\n' "$round" "$mode" "$rps" "$err" "$loop_us" "$load_busy"
            if [ "$mode" = on ] && [ -s "$work/replicated" ]; then
                sed 's/^/  /' "$work/replicated"
                : >"$work/replicated"
            fi
            if [ "$mode" = off ]; then off+="$rps "; else on+="$rps "; fi
        done
    done
    local m_off m_on r
    m_off=$(median <<<"$off"); m_on=$(median <<<"$on")
    r=$(ratio "$m_on" "$m_off")
    l7_line="$(verdict "$r" 0.95 ge) L7 rps with replication on / off: $m_on / $m_off = $r >= 0.95"
    [ "$errors" -eq 0 ] || l7_line+=" (WARNING: $errors wrk errors, non-2xx or socket errors, in the measured rounds)"
}

main() {
    require_tools nginx:nginx wrk:wrk curl:curl taskset:util-linux ss:iproute2
    build
    cd "$work"
    case " $PARTS " in *" driver "*)
        replication_and_transfer
        echo
    esac
    case " $PARTS " in *" l7 "*)
        start_nginx "    keepalive_requests 1000000000;
    keepalive_timeout 60s;"
        l7_on_off
        echo
    esac
    local line
    for line in "${repl_line:-}" "${transfer_line:-}" "${l7_line:-}" "${memory_line:-}"; do
        [ -z "$line" ] || echo "$line"
    done
}

main "$@"
