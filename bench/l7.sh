#!/usr/bin/env bash
# L7 HTTP/1.1 keep-alive benchmark: Tandem against HAProxy, same nginx backend, same run.
#
#   bench/l7.sh                      # 3 rounds each, 10 s per round
#   ROUNDS=5 DURATION=20 bench/l7.sh
#
# Environment:
#   ROUNDS       measured rounds per proxy (default 3); rounds alternate HAProxy, Tandem, ...
#   DURATION     seconds per measured round (default 10)
#   WARMUP       seconds per warm-up run (default 10)
#   WARMUP_RUNS  warm-up runs per proxy before the first round (default 3): each run opens and closes its
#                connections, so the JIT has compiled the connection set-up and tear-down paths before measuring
#   CONNECTIONS  wrk connections (default 50)
#   PIN          1 (default): HAProxy and Tandem's event loop on CPU 1, wrk + nginx on CPU 0 (bench/lib.sh); 0: none
#   TANDEM       path of the tandem launcher (default: the one built in appliance/target)
#   TANDEM_JAVA_OPTS  passed through to bin/tandem (extra JVM options)
#
# Targets (printed PASS/FAIL; the exit status is 0 unless the setup itself failed):
#   Tandem rps >= 0.8 x HAProxy, Tandem p99 <= 1.5 x HAProxy, Tandem peak RSS < 400 MiB.
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
WARMUP_RUNS=${WARMUP_RUNS:-3}
CONNECTIONS=${CONNECTIONS:-50}
PIN=${PIN:-1}

bench_name=l7.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

start_haproxy() {
    haproxy_port=$(free_port)
    set_maxconn haproxy
    cat >"$work/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $maxconn

defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s

frontend fe
    bind 127.0.0.1:$haproxy_port
    default_backend be

backend be
    server s1 127.0.0.1:$nginx_port
EOF
    haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy -c rejected $work/haproxy.cfg"
    "${proxy_cpu[@]}" haproxy -f "$work/haproxy.cfg" -db >>"$work/haproxy.log" 2>&1 &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    wait_http "$haproxy_port" "$haproxy_pid" haproxy
}

start_tandem() {
    tandem_port=$(free_port)
    cat >"$work/tandem.yaml" <<EOF
global: { workers: 1, maxconn: 8000, log: none }
defaults:
  timeout: { connect: 5s, client: 30s, server: 30s, http-request: 10s, http-keep-alive: 10s }
l7:
  frontends:
    fe:
      bind: 127.0.0.1:$tandem_port
      default-backend: be
  backends:
    be:
      servers:
        s1: 127.0.0.1:$nginx_port
EOF
    "$TANDEM" check -c "$work/tandem.yaml" || die "tandem check rejected $work/tandem.yaml"
        "${tandem_cpu[@]}" "$TANDEM" run -c "$work/tandem.yaml" >>"$work/tandem.log" 2>&1 &
    tandem_pid=$!
    pids+=("$tandem_pid")
    wait_http "$tandem_port" "$tandem_pid" tandem
    tandem_started "$tandem_pid"
}

main() {
    require_tools haproxy:haproxy nginx:nginx wrk:wrk curl:curl taskset:util-linux
    build_tandem
    cd "$work"

    # keepalive_requests high enough that nginx never closes a connection during a run: Tandem pools its server
    # connections across clients, so at 100 000 (the old setting) nginx recycled all 50 at once every ~55 s,
    # mid-round.
    start_nginx "    keepalive_requests 1000000000;
    keepalive_timeout 60s;"
    start_haproxy
    start_tandem

    echo "nginx pid $nginx_pid :$nginx_port | haproxy pid $haproxy_pid :$haproxy_port | tandem (java) pid $tandem_pid :$tandem_port"
    if [ ${#proxy_cpu[@]} -gt 0 ]; then
        echo "pinning: HAProxy and Tandem's event loop on CPU 1; wrk, nginx and the JVM's other threads on CPU 0"
    else
        echo "pinning: none"
    fi
    echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency, $ROUNDS rounds each, warm-up $WARMUP_RUNS x ${WARMUP}s each"
    echo

    echo "warming up haproxy and tandem ($WARMUP_RUNS runs of ${WARMUP}s each)..."
    for _ in $(seq 1 "$WARMUP_RUNS"); do
        run_wrk "$haproxy_port" "$WARMUP" --latency >/dev/null
        run_wrk "$tandem_port" "$WARMUP" --latency >/dev/null
    done
    echo

    local h_rps="" h_p99="" h_cpu="" t_rps="" t_p99="" t_cpu="" errors=0
    printf '%-5s  %-8s  %10s  %9s  %6s  %11s  %13s\n' round proxy rps p99_ms errors cpu_us/req backend_conns
    for round in $(seq 1 "$ROUNDS"); do
        for proxy in haproxy tandem; do
            local port pid before after cpu0 cpu1 result rps p99 err cpu_us
            if [ "$proxy" = haproxy ]; then
                port=$haproxy_port; pid=$haproxy_pid
            else
                port=$tandem_port; pid=$tandem_pid
            fi
            before=$(nginx_accepts); cpu0=$(cpu_ticks_of "$pid")
            result=$(run_wrk "$port" "$DURATION" --latency)
            after=$(nginx_accepts); cpu1=$(cpu_ticks_of "$pid")
            read -r rps p99 err <<<"$result"
            errors=$((errors + err))
            # CPU microseconds the proxy spent per request (rps x DURATION requests).
            cpu_us=$(cpu_per_request $((cpu1 - cpu0)) "$rps" "$DURATION")
            printf '%-5s  %-8s  %10s  %9s  %6s  %11s  %13s\n' \
                "$round" "$proxy" "$rps" "$p99" "$err" "$cpu_us" "$((after - before))"
            if [ "$proxy" = haproxy ]; then h_cpu+="$cpu_us "; else t_cpu+="$cpu_us "; fi
            if [ "$proxy" = haproxy ]; then
                h_rps+="$rps "; h_p99+="$p99 "
            else
                t_rps+="$rps "; t_p99+="$p99 "
            fi
        done
    done

    local hm_rps hm_p99 hm_cpu tm_rps tm_p99 tm_cpu r_rps r_p99 r_cpu h_rss t_rss
    hm_rps=$(median <<<"$h_rps"); hm_p99=$(median <<<"$h_p99"); hm_cpu=$(median <<<"$h_cpu")
    tm_rps=$(median <<<"$t_rps"); tm_p99=$(median <<<"$t_p99"); tm_cpu=$(median <<<"$t_cpu")
    r_cpu=$(awk -v t="$tm_cpu" -v h="$hm_cpu" 'BEGIN { printf "%.2f", (h > 0 ? t / h : 0) }')
    r_rps=$(awk -v t="$tm_rps" -v h="$hm_rps" 'BEGIN { printf "%.2f", t / h }')
    r_p99=$(awk -v t="$tm_p99" -v h="$hm_p99" 'BEGIN { printf "%.2f", t / h }')
    h_rss=$(rss_of "$haproxy_pid"); t_rss=$(rss_of "$tandem_pid")

    echo
    printf '%-6s  %-8s  %10s  %9s  %11s\n' median proxy rps p99_ms cpu_us/req
    printf '%-6s  %-8s  %10s  %9s  %11s\n' "" haproxy "$hm_rps" "$hm_p99" "$hm_cpu"
    printf '%-6s  %-8s  %10s  %9s  %11s\n' "" tandem "$tm_rps" "$tm_p99" "$tm_cpu"
    echo
    echo "ratio tandem/haproxy: rps $r_rps, p99 $r_p99 (cpu per request $r_cpu)"
    echo "peak RSS (VmHWM): haproxy $((h_rss / 1024)) MiB, tandem $((t_rss / 1024)) MiB"
    [ "$errors" -eq 0 ] || echo "WARNING: $errors wrk errors (non-2xx or socket errors) in the measured rounds"
    echo
    echo "$(verdict "$r_rps" 0.8 ge) rps ratio $r_rps >= 0.80"
    echo "$(verdict "$r_p99" 1.5 le) p99 ratio $r_p99 <= 1.50"
    echo "$(verdict "$((t_rss / 1024))" 400 lt) tandem peak RSS $((t_rss / 1024)) MiB < 400 MiB"
}

main "$@"
