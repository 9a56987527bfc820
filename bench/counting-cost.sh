#!/usr/bin/env bash
# What the data path's counting costs per L7 request, measured in thread CPU time (not wall-clock time), so a
# busy machine slows it down but hardly changes it. One request counts what Exchange and ExchangeLog.count count
# for it: the balancer's pick and the server connection (reused or new) in the backend's and the server's
# HttpCounters; then in the frontend's, the backend's and the server's the request, its status class, its
# duration in the histogram and its bytes both ways; and in the backend's and server's the recent averages of its
# four phases (show stat's qtime/ctime/rtime/ttime). THREADS event-loop threads (made by Tandem's own thread
# factory, as the event loops are) count into the same counters at once, as workers: N would.
#
#   bench/counting-cost.sh               # 5 runs of 20 million requests after 20 million of warm-up, 1 thread
#   THREADS=2 bench/counting-cost.sh     # two loops counting the same requests' counters at once
#   RUNS=9 REQUESTS=50000000 bench/counting-cost.sh
#
# Prints ns per request (each thread's CPU time over its requests, averaged over the threads) for each run and
# their median; bench/l7.sh's cpu_us/req gives what a whole request costs. THREADS=2 needs two free cores to
# show what two loops writing the same counters cost each other.
set -euo pipefail

RUNS=${RUNS:-5}
REQUESTS=${REQUESTS:-20000000}
THREADS=${THREADS:-1}
repo=$(cd "$(dirname "$0")/.." && pwd)
classes=$repo/core/target/classes
if [ ! -f "$classes/io/tandem/core/metrics/CountingThreads.class" ]; then
    echo "building core (./mvnw -q -o -pl core compile)"
    (cd "$repo" && ./mvnw -q -o -pl core compile) || { echo "counting-cost.sh: build failed" >&2; exit 1; }
fi
netty_version=$(sed -n 's:.*<netty.version>\(.*\)</netty.version>.*:\1:p' "$repo/pom.xml")
netty_common=$HOME/.m2/repository/io/netty/netty-common/$netty_version/netty-common-$netty_version.jar
[ -f "$netty_common" ] || { echo "counting-cost.sh: no $netty_common (build the project once)" >&2; exit 1; }
work=$(mktemp -d /tmp/tandem-bench-counting.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat >"$work/Cost.java" <<JAVA
import io.tandem.core.metrics.CountingThreads;
import io.tandem.core.metrics.HttpCounters;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CyclicBarrier;

public class Cost {
    static final HttpCounters FRONTEND = new HttpCounters(), BACKEND = new HttpCounters(), SERVER = new HttpCounters();
    static final HttpCounters[] ALL = {FRONTEND, BACKEND, SERVER};
    static final int[] STATUS = {200, 200, 200, 304, 404, 200, 503, 200};

    /** One request, as Exchange (pick, server connection) and ExchangeLog.count (the rest) count it. */
    static void count(int i) {
        int status = STATUS[i & 7];
        long nanos = 200_000L + (i & 1023) * 1_000L;
        boolean reused = (i & 15) != 0;
        BACKEND.balancedOnce();
        SERVER.balancedOnce();
        BACKEND.upstream(reused);
        SERVER.upstream(reused);
        for (HttpCounters c : ALL) {
            c.request(status, nanos, HttpCounters.Outcome.DONE, 0, 6);
        }
        long millis = nanos / 1_000_000;
        BACKEND.phases(0, reused ? 0 : 1, millis, millis);
        SERVER.phases(0, reused ? 0 : 1, millis, millis);
    }

    static long run(ThreadMXBean cpu, int n) {
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            count(i);
        }
        return cpu.getCurrentThreadCpuTime() - t0;
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long[][] nanos = new long[threads][runs];
        CyclicBarrier together = new CyclicBarrier(threads);
        Thread[] loops = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int me = t;
            loops[t] = CountingThreads.factory("bench", false).newThread(() -> {
                try {
                    run(cpu, n); // warm-up: the JIT compiles count() before measuring
                    for (int r = 0; r < runs; r++) {
                        together.await();
                        nanos[me][r] = run(cpu, n);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            loops[t].start();
        }
        for (Thread loop : loops) {
            loop.join();
        }
        double[] ns = new double[runs];
        for (int r = 0; r < runs; r++) {
            for (int t = 0; t < threads; t++) {
                ns[r] += (double) nanos[t][r] / n / threads;
            }
            System.out.printf("run %d: %.1f ns per request%n", r + 1, ns[r]);
        }
        java.util.Arrays.sort(ns);
        System.out.printf("median: %.1f ns per request (%d runs of %d requests, %d thread(s), thread CPU time)%n",
                ns[runs / 2], runs, n, threads);
        long expected = (long) threads * n * (runs + 1);
        if (SERVER.requests() != expected) {
            throw new IllegalStateException("counted " + SERVER.requests() + " requests, sent " + expected);
        }
    }
}
JAVA
javac -d "$work" -cp "$classes:$netty_common" "$work/Cost.java"
java -cp "$work:$classes:$netty_common" Cost "$RUNS" "$REQUESTS" "$THREADS"
