#!/usr/bin/env bash
# What metrics cost: bench/l7.sh's method (one nginx, wrk keep-alive, one event loop on its own core), with
# Tandem built from REF, before the data path counted anything ("off"), against this tree's Tandem with
# admin.stats on and /metrics scraped every second ("on"), in one run, rounds alternating.
#
#   bench/l7-metrics.sh                  # 3 rounds each, 10 s per round
#   ROUNDS=5 bench/l7-metrics.sh
#
# Environment:
#   REF          the commit without counters (default 0810e23^, the last one before "Counters in core for metrics")
#   ROUNDS, DURATION, WARMUP, WARMUP_RUNS, CONNECTIONS, PIN: as in bench/l7.sh
#   TANDEM       the "on" launcher (default: the one built in appliance/target)
#
# Target (printed PASS/FAIL; the exit status is 0 unless the setup itself failed): rps on/off >= 0.97.
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit; the REF tree is built in
# the temporary directory, which is removed on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
WARMUP_RUNS=${WARMUP_RUNS:-3}
CONNECTIONS=${CONNECTIONS:-50}
PIN=${PIN:-1}
REF=${REF:-0810e23^}

bench_name=l7-metrics.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

# Builds the appliance of REF (offline: its dependencies are those this tree's build already fetched, or fewer).
build_reference() {
    local commit
    commit=$(git -C "$repo" rev-parse --short "$REF") || die "no commit $REF in $repo"
    echo "building Tandem at $commit (off: no counters) in $work/ref"
    mkdir -p "$work/ref"
    git -C "$repo" archive "$commit" | tar -x -C "$work/ref"
    (cd "$work/ref" && ./mvnw -B -q -o package -DskipTests -pl appliance -am >"$work/ref-build.log" 2>&1) \
        || { tail -n 30 "$work/ref-build.log" >&2; die "the build of $commit failed"; }
    reference=$work/ref/appliance/target/tandem/bin/tandem
    [ -x "$reference" ] || die "no $reference after the build"
    ref_commit=$commit
}

# start_one NAME LAUNCHER STATS: a Tandem on its own port; STATS=1 adds admin.stats on another port.
start_one() {
    local name=$1 launcher=$2 stats=$3 port stats_block=""
    port=$(free_port)
    if [ "$stats" = 1 ]; then
        stats_port=$(free_port)
        stats_block="admin: { stats: { bind: 127.0.0.1:$stats_port } }"
    fi
    cat >"$work/$name.yaml" <<EOF
global: { workers: 1, maxconn: 8000, log: none }
defaults:
  timeout: { connect: 5s, client: 30s, server: 30s, http-request: 10s, http-keep-alive: 10s }
$stats_block
l7:
  frontends:
    fe:
      bind: 127.0.0.1:$port
      default-backend: be
  backends:
    be:
      servers:
        s1: 127.0.0.1:$nginx_port
EOF
    "$launcher" check -c "$work/$name.yaml" >/dev/null || die "tandem check rejected $work/$name.yaml"
    "${tandem_cpu[@]}" "$launcher" run -c "$work/$name.yaml" >>"$work/$name.log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait_http "$port" "$pid" "$name"
    tandem_started "$pid"
    eval "${name}_port=$port ${name}_pid=$pid"
}

# Scrapes "on"'s /metrics once a second, as a Prometheus would (more often than most do), until stopped.
start_scraper() {
    (
        while true; do
            curl -s -o /dev/null "http://127.0.0.1:$stats_port/metrics" || true
            sleep 1
        done
    ) &
    scraper_pid=$!
    pids+=("$scraper_pid")
}

main() {
    require_tools nginx:nginx wrk:wrk curl:curl taskset:util-linux git:git
    build_tandem
    build_reference
    cd "$work"
    start_nginx "    keepalive_requests 1000000000;
    keepalive_timeout 60s;"
    start_one off "$reference" 0
    start_one on "$TANDEM" 1
    curl -sf -o /dev/null "http://127.0.0.1:$stats_port/metrics" || die "no metrics on 127.0.0.1:$stats_port"
    start_scraper

    echo "nginx :$nginx_port | off ($ref_commit, pid $off_pid) :$off_port | on (this tree, pid $on_pid) :$on_port," \
        "metrics on :$stats_port scraped every second"
    echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency, $ROUNDS rounds each, warm-up $WARMUP_RUNS x ${WARMUP}s each"
    echo

    for _ in $(seq 1 "$WARMUP_RUNS"); do
        run_wrk "$off_port" "$WARMUP" --latency >/dev/null
        run_wrk "$on_port" "$WARMUP" --latency >/dev/null
    done

    local off_rps="" off_p99="" off_cpu="" on_rps="" on_p99="" on_cpu="" errors=0
    printf '%-5s  %-4s  %10s  %9s  %6s  %11s\n' round run rps p99_ms errors cpu_us/req
    for round in $(seq 1 "$ROUNDS"); do
        for run in off on; do
            local port pid cpu0 cpu1 result rps p99 err cpu_us
            if [ "$run" = off ]; then port=$off_port; pid=$off_pid; else port=$on_port; pid=$on_pid; fi
            cpu0=$(cpu_ticks_of "$pid")
            result=$(run_wrk "$port" "$DURATION" --latency)
            cpu1=$(cpu_ticks_of "$pid")
            read -r rps p99 err <<<"$result"
            errors=$((errors + err))
            cpu_us=$(cpu_per_request $((cpu1 - cpu0)) "$rps" "$DURATION")
            printf '%-5s  %-4s  %10s  %9s  %6s  %11s\n' "$round" "$run" "$rps" "$p99" "$err" "$cpu_us"
            if [ "$run" = off ]; then
                off_rps+="$rps "; off_p99+="$p99 "; off_cpu+="$cpu_us "
            else
                on_rps+="$rps "; on_p99+="$p99 "; on_cpu+="$cpu_us "
            fi
        done
    done

    local m_off_rps m_on_rps m_off_p99 m_on_p99 m_off_cpu m_on_cpu r_rps
    m_off_rps=$(median <<<"$off_rps"); m_on_rps=$(median <<<"$on_rps")
    m_off_p99=$(median <<<"$off_p99"); m_on_p99=$(median <<<"$on_p99")
    m_off_cpu=$(median <<<"$off_cpu"); m_on_cpu=$(median <<<"$on_cpu")
    r_rps=$(ratio "$m_on_rps" "$m_off_rps")
    echo
    printf '%-6s  %-4s  %10s  %9s  %11s\n' median run rps p99_ms cpu_us/req
    printf '%-6s  %-4s  %10s  %9s  %11s\n' "" off "$m_off_rps" "$m_off_p99" "$m_off_cpu"
    printf '%-6s  %-4s  %10s  %9s  %11s\n' "" on "$m_on_rps" "$m_on_p99" "$m_on_cpu"
    echo
    echo "ratio on/off: rps $r_rps, p99 $(ratio "$m_on_p99" "$m_off_p99"), cpu per request $(ratio "$m_on_cpu" "$m_off_cpu")"
    [ "$errors" -eq 0 ] || echo "WARNING: $errors wrk errors (non-2xx or socket errors) in the measured rounds"
    echo "$(verdict "$r_rps" 0.97 ge) rps ratio $r_rps >= 0.97"
}

main "$@"
