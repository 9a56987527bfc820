#!/usr/bin/env bash
# What metrics cost: bench/l7.sh's method (one nginx, wrk keep-alive, one event loop on its own core) with two
# Tandems of the SAME build, in one run, rounds alternating: "off" has no admin.stats block (no metrics path is
# served, nothing is scraped), "on" serves admin.stats' metrics path and has it scraped every second. Both count
# the same per request (show stat needs the counters either way), so this is the cost the issue names: serving and
# scraping the metrics. What the counting itself costs is bench/counting-cost.sh's figure, or, against a build
# from before the data path counted anything, OFF_REF below.
#
#   bench/l7-metrics.sh                     # 3 rounds each, 10 s per round, both from this tree
#   ROUNDS=5 bench/l7-metrics.sh
#   OFF_REF=5dd078d bench/l7-metrics.sh     # "off" built from 5dd078d (no counters at all), "on" this tree
#   ROUNDS=1 DURATION=2 WARMUP=1 WARMUP_RUNS=1 bench/l7-metrics.sh   # does the script run (no figures)
#
# Environment:
#   OFF_REF      unset (default): "off" is this tree's launcher without admin.stats. A commit: "off" is built from
#                it (offline, in the temporary directory, a few minutes) and runs without admin.stats, e.g.
#                5dd078d, the last commit before "Counters in core for metrics".
#   ROUNDS, DURATION, WARMUP, WARMUP_RUNS, CONNECTIONS, PIN: as in bench/l7.sh
#   TANDEM       the launcher of this tree (default: the one built in appliance/target)
#
# Target (printed PASS/FAIL; the exit status is 0 unless the setup itself failed): rps on/off >= 0.97.
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit; an OFF_REF tree is built
# in the temporary directory, which is removed on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
WARMUP_RUNS=${WARMUP_RUNS:-3}
CONNECTIONS=${CONNECTIONS:-50}
PIN=${PIN:-1}
OFF_REF=${OFF_REF:-}

bench_name=l7-metrics.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

# Sets "off": this tree's launcher, or (OFF_REF) the appliance built from OFF_REF (offline: its dependencies are
# those this tree's build already fetched, or fewer).
choose_off() {
    if [ -z "$OFF_REF" ]; then
        off_launcher=$TANDEM
        off_what="this tree, no admin.stats"
        return 0
    fi
    local commit
    commit=$(git -C "$repo" rev-parse --short "$OFF_REF") || die "no commit $OFF_REF in $repo"
    echo "building Tandem at $commit (off) in $work/ref"
    mkdir -p "$work/ref"
    git -C "$repo" archive "$commit" | tar -x -C "$work/ref"
    (cd "$work/ref" && ./mvnw -B -q -o package -DskipTests -pl appliance -am >"$work/ref-build.log" 2>&1) \
        || { tail -n 30 "$work/ref-build.log" >&2; die "the build of $commit failed"; }
    off_launcher=$work/ref/appliance/target/tandem/bin/tandem
    [ -x "$off_launcher" ] || die "no $off_launcher after the build"
    off_what="$commit, no admin.stats"
}

# start_one NAME LAUNCHER STATS: a Tandem on its own port; STATS=1 adds admin.stats on another port, serving
# metrics at /metrics.
start_one() {
    local name=$1 launcher=$2 stats=$3 port stats_block=""
    port=$(free_port)
    if [ "$stats" = 1 ]; then
        stats_port=$(free_port)
        stats_block="admin: { stats: { bind: 127.0.0.1:$stats_port, metrics: /metrics } }"
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
    choose_off
    cd "$work"
    start_nginx "    keepalive_requests 1000000000;
    keepalive_timeout 60s;"
    start_one off "$off_launcher" 0
    start_one on "$TANDEM" 1
    curl -sf -o /dev/null "http://127.0.0.1:$stats_port/metrics" || die "no metrics on 127.0.0.1:$stats_port"
    start_scraper

    echo "nginx :$nginx_port | off ($off_what, pid $off_pid) :$off_port | on (this tree, pid $on_pid) :$on_port," \
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
    local counted
    counted=$(curl -sf "http://127.0.0.1:$stats_port/metrics" \
        | awk '/^tandem_frontend_http_requests_total/ { n += $NF } END { printf "%.0f", n }')
    echo "on's metrics count $counted requests on its frontend (warm-up included)"
    [ "${counted:-0}" -gt 0 ] || die "on's metrics counted no request: the scrapes read nothing"
    echo "$(verdict "$r_rps" 0.97 ge) rps ratio $r_rps >= 0.97"
}

main "$@"
