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

install_tools() {
    local missing=()
    command -v haproxy >/dev/null || missing+=(haproxy)
    command -v nginx >/dev/null || missing+=(nginx)
    command -v wrk >/dev/null || missing+=(wrk)
    command -v curl >/dev/null || missing+=(curl)
    command -v taskset >/dev/null || missing+=(util-linux)
    install_packages "${missing[@]}"
}

# Waits until http://127.0.0.1:PORT/PATH answers 200 (up to 30 s).
wait_http() {
    local port=$1 path=${2:-/} pid=$3 name=$4
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$work/$name.log" >&2 || true
            die "$name (pid $pid) exited during start-up"
        fi
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")" = 200 ]; then
            return 0
        fi
        sleep 0.1
    done
    die "$name did not answer 200 on 127.0.0.1:$port$path"
}

start_nginx() {
    nginx_port=$(free_port)
    nginx_status_port=$(free_port)
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    # High enough that nginx never closes a connection during a run: Tandem pools its server connections across
    # clients, so at 100 000 (the old setting) nginx recycled all 50 at once every ~55 s, mid-round.
    keepalive_requests 1000000000;
    keepalive_timeout 60s;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        location / { default_type text/plain; return 200 "hello\n"; }
    }
    server {
        listen 127.0.0.1:$nginx_status_port;
        location / { stub_status; }
    }
}
EOF
    "${load_cpu[@]}" nginx -p "$work/nginx" -e "$work/nginx.log" -c "$work/nginx/nginx.conf" \
        >>"$work/nginx.log" 2>&1 &
    nginx_pid=$!
    pids+=("$nginx_pid")
    wait_http "$nginx_port" / "$nginx_pid" nginx
}

# Connections nginx has accepted so far (from stub_status): tells whether a proxy reuses
# its server-side connections.
nginx_accepts() {
    curl -s "http://127.0.0.1:$nginx_status_port/" | awk 'NR == 3 { print $1 }'
}

start_haproxy() {
    haproxy_port=$(free_port)
    # HAProxy needs about 2 file descriptors per connection and refuses to start when the hard
    # limit is lower; where it cannot be raised (containers), maxconn is lowered to fit.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    local fds maxconn=20000
    fds=$(ulimit -n)
    if [ "$fds" != unlimited ] && [ "$fds" -lt $((2 * maxconn + 100)) ]; then
        maxconn=$(((fds - 100) / 2))
        echo "note: open-files limit $fds: haproxy maxconn lowered from 20000 to $maxconn"
    fi
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
    wait_http "$haproxy_port" / "$haproxy_pid" haproxy
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
    wait_http "$tandem_port" / "$tandem_pid" tandem
    tandem_started "$tandem_pid"
}

# Peak resident set of PID in KiB (VmHWM: the kernel's high-water mark of VmRSS).
rss_of() {
    awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# CPU time PID has used so far (user + system, all threads), in clock ticks.
cpu_ticks_of() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Runs wrk against PORT for SECONDS; prints "rps p99_ms errors".
run_wrk() {
    local port=$1 seconds=$2 out
    out=$("${load_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" --latency "http://127.0.0.1:$port/")
    echo "$out" >>"$work/wrk.log"
    echo "$out" | awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
            if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        /^Requests\/sec:/                 { rps = $2 }
        $1 == "99%"                       { p99 = ms($2) }
        /Non-2xx or 3xx responses:/       { errors += $NF }
        /Socket errors:/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) errors += $i + 0
        }
        END { printf "%.0f %.3f %d\n", rps, p99, errors }'
}

median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk '
        { v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

verdict() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN {
    ok = (op == "ge") ? (a >= b) : (op == "le") ? (a <= b) : (a < b); print ok ? "PASS" : "FAIL" }'; }

main() {
    install_tools
    build_tandem
    cd "$work"

    start_nginx
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
        run_wrk "$haproxy_port" "$WARMUP" >/dev/null
        run_wrk "$tandem_port" "$WARMUP" >/dev/null
    done
    echo

    local h_rps="" h_p99="" h_cpu="" t_rps="" t_p99="" t_cpu="" errors=0
    local hz
    hz=$(getconf CLK_TCK)
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
            result=$(run_wrk "$port" "$DURATION")
            after=$(nginx_accepts); cpu1=$(cpu_ticks_of "$pid")
            read -r rps p99 err <<<"$result"
            errors=$((errors + err))
            # CPU microseconds the proxy spent per request (rps x DURATION requests).
            cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" -v n="$rps" -v d="$DURATION" \
                'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / (n * d) : 0) }')
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
