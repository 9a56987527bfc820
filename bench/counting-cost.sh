#!/usr/bin/env bash
# What the data path's counting costs per L7 request, measured in thread CPU time (not wall-clock time), so a
# busy machine slows it down but hardly changes it: what an exchange does when it ends (ExchangeLog.count): the
# frontend's, the backend's and the server's HttpCounters each count the request, its status class, its
# duration in the histogram and its bytes both ways. One thread, as with workers: 1.
#
#   bench/counting-cost.sh               # 5 runs of 20 million requests after 20 million of warm-up
#   RUNS=9 REQUESTS=50000000 bench/counting-cost.sh
#
# Prints ns per request for each run and their median; bench/l7.sh's cpu_us/req gives what a whole request costs.
set -euo pipefail

RUNS=${RUNS:-5}
REQUESTS=${REQUESTS:-20000000}
repo=$(cd "$(dirname "$0")/.." && pwd)
classes=$repo/core/target/classes
if [ ! -f "$classes/io/tandem/core/metrics/HttpCounters.class" ]; then
    echo "building core (./mvnw -q -pl core compile)"
    (cd "$repo" && ./mvnw -q -pl core compile) || { echo "counting-cost.sh: build failed" >&2; exit 1; }
fi
work=$(mktemp -d /tmp/tandem-bench-counting.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat >"$work/Cost.java" <<JAVA
import io.tandem.core.metrics.HttpCounters;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

public class Cost {
    static final HttpCounters FRONTEND = new HttpCounters(), BACKEND = new HttpCounters(), SERVER = new HttpCounters();
    static final int[] STATUS = {200, 200, 200, 304, 404, 200, 503, 200};

    /** One ended exchange, as ExchangeLog.count does it for its three levels. */
    static void count(int i) {
        int status = STATUS[i & 7];
        long nanos = 200_000L + (i & 1023) * 1_000L;
        for (HttpCounters c : new HttpCounters[] {FRONTEND, BACKEND, SERVER}) {
            c.request(status, nanos);
            c.addBytesIn(0);
            c.addBytesOut(6);
        }
    }

    static long run(ThreadMXBean cpu, int n) {
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            count(i);
        }
        return cpu.getCurrentThreadCpuTime() - t0;
    }

    public static void main(String[] args) {
        int runs = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        run(cpu, n); // warm-up: the JIT compiles count() (and drops the array) before measuring
        double[] ns = new double[runs];
        for (int r = 0; r < runs; r++) {
            ns[r] = (double) run(cpu, n) / n;
            System.out.printf("run %d: %.1f ns per request%n", r + 1, ns[r]);
        }
        java.util.Arrays.sort(ns);
        System.out.printf("median: %.1f ns per request (%d runs of %d requests, thread CPU time)%n",
                ns[runs / 2], runs, n);
        if (SERVER.requests() == 0) {
            throw new IllegalStateException("nothing was counted");
        }
    }
}
JAVA
javac -d "$work" -cp "$classes" "$work/Cost.java"
java -cp "$work:$classes" Cost "$RUNS" "$REQUESTS"
