#!/usr/bin/env bash
# TLS: Tandem against HAProxy, the same nginx backend and the same certificates, in one run:
#   1. new TLS connections per second, full handshakes (no resumption), ECDSA P-256 and RSA 2048 certificates;
#   2. HTTP/2 requests per second over TLS (ALPN h2, the ECDSA certificate), h2load -c 50 -m 10.
#
#   bench/tls.sh                     # 3 rounds, the proxies alternating, 10 s measured per proxy, key and round
#   ROUNDS=5 DURATION=20 bench/tls.sh
#   LOAD=s_time CLIENTS=2 bench/tls.sh  # the old client: openssl s_time processes
#   DURATION=2 WARMUP=3 ROUNDS=1 H2_REQUESTS=5000 H2_WARMUP_REQUESTS=5000 PIN=0 bench/tls.sh
#                                    # a quick check that it runs (no numbers worth quoting)
#
# Environment:
#   LOAD      netty (default): bench/TlsHandshakeLoad.java, run from its source on the jars of the Tandem build: one
#             event-loop thread keeping LOAD_CONNECTIONS connections (default 32) in their handshakes at once with
#             BoringSSL, each a new TCP connection and a full handshake (it never offers a session again), so the
#             proxy always has handshakes waiting while a handshake costs the client less than the proxy. s_time:
#             CLIENTS (default 2) openssl s_time -new processes side by side; each does one handshake at a time and
#             OpenSSL 3.0's client path costs more than a server's, so they cannot keep a proxy busy (the rates they
#             give measure the client: docs/benchmarks.md)
#   DURATION  seconds per measured run (default 10)
#   WARMUP    seconds of warm-up before each measured run, against the same proxy and key (default 15: the JIT
#             compiles the handshake paths of the client and of Tandem in it)
#   ROUNDS    rounds (default 3); in each, per key type, HAProxy and Tandem are measured one after the other, who goes
#             first alternating; the medians are the result
#   REQUEST   1 (default): each connection also carries "GET / HTTP/1.0" through the proxy to nginx; 0: the
#             handshake alone, what the TLS libraries and their use cost by themselves
#   H2_CONNECTIONS, H2_STREAMS  h2load's -c and -m (default 50 and 10)
#   H2_REQUESTS, H2_WARMUP_REQUESTS  requests of the measured h2load run and of the warm-up run before it, per
#             proxy (default 300000 each, some 20-30 s at HAProxy's rate)
#   PIN       1 (default): HAProxy and Tandem's event loop on CPU 1, the load client, h2load and nginx on CPU 0
#             (bench/lib.sh); 0: none
#   TANDEM    path of the tandem launcher (default: the one built in appliance/target)
#
# HAProxy runs nbthread 1, Tandem workers: 1. Target (printed PASS/FAIL): Tandem >= 1.0 x HAProxy in new connections
# per second for each key type. Also printed: CPU microseconds per connection of each proxy process and of Tandem's
# event-loop thread alone, a figure less sensitive to a busy machine than the rates. Each h2load run opens its 50
# connections (full handshakes) and then keeps 10 streams at a time on each, every stream a GET through the proxy to
# nginx over HTTP/1.1; printed: requests per second, the ratio, and CPU microseconds per request of each proxy process
# (no target is set for it). Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit.
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-15}
ROUNDS=${ROUNDS:-3}
LOAD=${LOAD:-netty}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-32}
CLIENTS=${CLIENTS:-2}
REQUEST=${REQUEST:-1}
H2_CONNECTIONS=${H2_CONNECTIONS:-50}
H2_STREAMS=${H2_STREAMS:-10}
H2_REQUESTS=${H2_REQUESTS:-300000}
H2_WARMUP_REQUESTS=${H2_WARMUP_REQUESTS:-300000}
PIN=${PIN:-1}

bench_name=tls.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

make_certificates() {
    openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$work/ec.key" \
        -out "$work/ec.crt" -subj /CN=bench.test.example -days 2 2>/dev/null
    openssl req -x509 -nodes -newkey rsa:2048 -keyout "$work/rsa.key" -out "$work/rsa.crt" \
        -subj /CN=bench.test.example -days 2 2>/dev/null
    cat "$work/ec.crt" "$work/ec.key" >"$work/ec.pem"
    cat "$work/rsa.crt" "$work/rsa.key" >"$work/rsa.pem"
}

start_haproxy() {
    haproxy_ec=$(free_port)
    haproxy_rsa=$(free_port)
    haproxy_h2=$(free_port)
    set_maxconn haproxy
    cat >"$work/haproxy.cfg" <<CFG
global
    nbthread 1
    maxconn $maxconn

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s

frontend ec
    bind 127.0.0.1:$haproxy_ec ssl crt $work/ec.pem
    default_backend be

frontend rsa
    bind 127.0.0.1:$haproxy_rsa ssl crt $work/rsa.pem
    default_backend be

frontend h2
    bind 127.0.0.1:$haproxy_h2 ssl crt $work/ec.pem alpn h2,http/1.1
    default_backend be

backend be
    server s1 127.0.0.1:$nginx_port
CFG
    haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy -c rejected $work/haproxy.cfg"
    "${proxy_cpu[@]}" haproxy -f "$work/haproxy.cfg" -db >>"$work/haproxy.log" 2>&1 &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    wait_listen "$haproxy_rsa" "$haproxy_pid" haproxy
}

start_tandem() {
    tandem_ec=$(free_port)
    tandem_rsa=$(free_port)
    tandem_h2=$(free_port)
    cat >"$work/tandem.yaml" <<CFG
global: { workers: 1, maxconn: 8000, log: none }
defaults:
  timeout: { connect: 5s, client: 30s, server: 30s, http-request: 10s }
l7:
  frontends:
    ec:
      bind: 127.0.0.1:$tandem_ec tls crt $work/ec.pem
      default-backend: be
    rsa:
      bind: 127.0.0.1:$tandem_rsa tls crt $work/rsa.pem
      default-backend: be
    h2:
      bind: 127.0.0.1:$tandem_h2 tls crt $work/ec.pem alpn h2,http/1.1
      default-backend: be
  backends:
    be:
      servers:
        s1: 127.0.0.1:$nginx_port
CFG
    "$TANDEM" check -c "$work/tandem.yaml" || die "tandem check rejected $work/tandem.yaml"
    "${tandem_cpu[@]}" "$TANDEM" run -c "$work/tandem.yaml" >>"$work/tandem.log" 2>&1 &
    tandem_pid=$!
    pids+=("$tandem_pid")
    wait_listen "$tandem_rsa" "$tandem_pid" tandem
    tandem_started "$tandem_pid"
}

# new_connections PORT PID: one measured run against the proxy PID listening on PORT, after WARMUP seconds of
# warm-up; prints "conn_per_s connections proxy_ticks loop_ticks": the connections per (real) second the clients made
# together in the DURATION measured seconds, how many, and the CPU clock ticks the proxy process, and its event-loop
# threads (tandem-io-*, 0 for HAProxy), used meanwhile.
new_connections() {
    local port=$1 pid=$2 i out=() client=() www=() p0 p1 l0 l1
    if [ "$LOAD" = netty ]; then
        "${load_cpu[@]}" java -XX:+UseSerialGC -Xms256m -Xmx256m -cp "$repo/appliance/target/tandem/lib/*" \
            "$repo/bench/TlsHandshakeLoad.java" "$port" "$LOAD_CONNECTIONS" "$WARMUP" "$DURATION" "$REQUEST" \
            >"$work/load.out" 2>&1 &
        client=($!)
        out=("$work/load.out")
        until grep -q '^measuring' "$work/load.out"; do
            kill -0 "${client[0]}" 2>/dev/null || { cat "$work/load.out" >&2; die "the load client exited"; }
            sleep 0.05
        done
    else
        [ "$REQUEST" = 0 ] || www=(-www /)
        for i in $(seq 1 "$CLIENTS"); do
            "${load_cpu[@]}" openssl s_time -connect "127.0.0.1:$port" -new -time "$WARMUP" "${www[@]}" \
                >/dev/null 2>&1 &
            client+=($!)
        done
        wait "${client[@]}"
        client=()
        for i in $(seq 1 "$CLIENTS"); do
            out+=("$work/s_time.$i")
            "${load_cpu[@]}" openssl s_time -connect "127.0.0.1:$port" -new -time "$DURATION" "${www[@]}" \
                >"$work/s_time.$i" 2>&1 &
            client+=($!)
        done
    fi
    p0=$(cpu_ticks_of "$pid"); l0=$(loop_ticks_of "$pid")
    wait "${client[@]}"
    p1=$(cpu_ticks_of "$pid"); l1=$(loop_ticks_of "$pid")
    cat "${out[@]}" >>"$work/load.log"
    # "1234 connections in 10.00 real seconds, ..."
    awk -v p=$((p1 - p0)) -v l=$((l1 - l0)) '/connections in [0-9.]+ real seconds/ { rate += $1 / $4; n += $1 }
        END { printf "%.0f %d %d %d\n", rate, n, p, l }' "${out[@]}"
}

main() {
    require_tools haproxy:haproxy nginx:nginx openssl:openssl curl:curl h2load:nghttp2-client taskset:util-linux java:openjdk-17-jdk-headless
    build_tandem
    cd "$work"
    make_certificates
    start_nginx
    start_haproxy
    start_tandem

    local haproxy_tls tandem_tls
    haproxy_tls=$(haproxy -vv | awk '/^Running on OpenSSL/ { print $7 }')
    tandem_tls=$(grep -o 'tls: using .*' "$work/tandem.log" | head -n 1 | sed 's/tls: using //')
    echo "haproxy pid $haproxy_pid (TLS: OpenSSL ${haproxy_tls:-?}) | tandem (java) pid $tandem_pid (TLS: ${tandem_tls:-?})"
    if [ ${#proxy_cpu[@]} -gt 0 ]; then
        echo "pinning: HAProxy and Tandem's event loop on CPU 1; the load client, nginx and the JVM's other threads on CPU 0"
    fi
    if [ "$LOAD" = netty ]; then
        echo "load: bench/TlsHandshakeLoad.java (Netty, BoringSSL), $LOAD_CONNECTIONS connections at once, full handshakes$([ "$REQUEST" = 0 ] || echo ', GET / on each'); ${DURATION}s measured after ${WARMUP}s of warm-up, $ROUNDS rounds, the proxies alternating"
    else
        echo "load: openssl s_time -new$([ "$REQUEST" = 0 ] || echo ' -www /') x $CLIENTS clients, ${DURATION}s measured after ${WARMUP}s of warm-up, $ROUNDS rounds, the proxies alternating"
    fi
    echo

    local kind round proxy h t r hz line results=() rows=()
    hz=$(getconf CLK_TCK)
    # CPU microseconds per connection: "us_per_conn TICKS CONNECTIONS".
    us_per_conn() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }'; }
    printf '%-5s  %-3s  %-7s  %8s  %8s  %12s\n' round key proxy conn/s cpu_us/c loop_cpu_us/c
    for round in $(seq 1 "$ROUNDS"); do
        for kind in ec rsa; do
            local order=(haproxy tandem)
            [ $((round % 2)) = 1 ] || order=(tandem haproxy)
            for proxy in "${order[@]}"; do
                local port pid rate n p l
                if [ "$proxy" = haproxy ]; then
                    pid=$haproxy_pid; [ "$kind" = ec ] && port=$haproxy_ec || port=$haproxy_rsa
                else
                    pid=$tandem_pid; [ "$kind" = ec ] && port=$tandem_ec || port=$tandem_rsa
                fi
                read -r rate n p l <<<"$(new_connections "$port" "$pid")"
                rows+=("$kind $proxy $rate $(us_per_conn "$p" "$n") $(us_per_conn "$l" "$n")")
                printf '%-5s  %-3s  %-7s  %8s  %8s  %12s\n' "$round" "$kind" "$proxy" "$rate" \
                    "$(us_per_conn "$p" "$n")" "$([ "$proxy" = tandem ] && us_per_conn "$l" "$n" || echo -)"
            done
        done
    done
    # The median of column COLUMN (3 rate, 4 cpu, 5 loop cpu) over the rounds of KIND and PROXY.
    column_median() {
        printf '%s\n' "${rows[@]}" | awk -v k="$1" -v x="$2" -v c="$3" '$1 == k && $2 == x { print $c }' | median
    }
    echo
    echo "medians over $ROUNDS rounds:"
    printf '%-12s  %15s  %14s  %6s  %16s  %15s  %20s\n' key haproxy_conn/s tandem_conn/s ratio \
        haproxy_cpu_us/c tandem_cpu_us/c tandem_loop_cpu_us/c
    for kind in ec rsa; do
        h=$(column_median "$kind" haproxy 3)
        t=$(column_median "$kind" tandem 3)
        r=$(ratio "$t" "$h")
        results+=("$kind $r")
        printf '%-12s  %15s  %14s  %6s  %16s  %15s  %20s\n' \
            "$([ "$kind" = ec ] && echo 'ECDSA P-256' || echo 'RSA 2048')" "$h" "$t" "$r" \
            "$(column_median "$kind" haproxy 4)" "$(column_median "$kind" tandem 4)" "$(column_median "$kind" tandem 5)"
    done
    echo
    for line in "${results[@]}"; do
        read -r kind r <<<"$line"
        echo "$(verdict "$r" 1.0 ge) $kind new-connection ratio $r >= 1.00"
    done

    echo
    echo "h2load -t1 -c$H2_CONNECTIONS -m$H2_STREAMS over TLS (ALPN h2, ECDSA P-256): $H2_REQUESTS requests per run, after $H2_WARMUP_REQUESTS of warm-up"
    local proxy port pid c0 c1 rps failed cpu_us h2_rps=()
    printf '%-8s  %10s  %7s  %11s\n' proxy h2_rps failed cpu_us/req
    for proxy in haproxy tandem; do
        if [ "$proxy" = haproxy ]; then port=$haproxy_h2; pid=$haproxy_pid; else port=$tandem_h2; pid=$tandem_pid; fi
        run_h2load "https://127.0.0.1:$port/" "$H2_WARMUP_REQUESTS" "$H2_CONNECTIONS" "$H2_STREAMS" >/dev/null
        c0=$(cpu_ticks_of "$pid")
        read -r rps failed <<<"$(run_h2load "https://127.0.0.1:$port/" "$H2_REQUESTS" "$H2_CONNECTIONS" "$H2_STREAMS")"
        c1=$(cpu_ticks_of "$pid")
        cpu_us=$(cpu_per_request $((c1 - c0)) "$H2_REQUESTS" 1)
        printf '%-8s  %10s  %7s  %11s\n' "$proxy" "$rps" "$failed" "$cpu_us"
        h2_rps+=("$rps")
    done
    echo "ratio tandem/haproxy h2 rps: $(ratio "${h2_rps[1]}" "${h2_rps[0]}")"
}

main "$@"
