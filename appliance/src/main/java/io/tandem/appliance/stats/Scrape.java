package io.tandem.appliance.stats;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tandem.core.metrics.LatencyHistogram;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One scrape being assembled: data points added family by family (a family's help is given with each point, the
 * first one kept; a name used for two types is a bug and throws), then {@link #build built} into the Prometheus
 * library's snapshots, which the writers print sorted by name. Runs off the hot path, once per scrape.
 */
final class Scrape {
    private static final double[] BOUNDS = LatencyHistogram.boundsSeconds();

    private final Map<String, CounterSnapshot.Builder> counters = new LinkedHashMap<>();
    private final Map<String, GaugeSnapshot.Builder> gauges = new LinkedHashMap<>();
    private final Map<String, HistogramSnapshot.Builder> histograms = new LinkedHashMap<>();
    private final Set<String> order = new LinkedHashSet<>();

    /** A counter; {@code name} without the {@code _total} the exposition adds. */
    void counter(String name, String help, Labels labels, double value) {
        family(counters, name, help, CounterSnapshot::builder).dataPoint(CounterSnapshot.CounterDataPointSnapshot
                .builder().labels(labels).value(value).build());
    }

    void gauge(String name, String help, Labels labels, double value) {
        family(gauges, name, help, GaugeSnapshot::builder).dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(labels).value(value).build());
    }

    /** A histogram in seconds with {@link LatencyHistogram}'s fixed buckets. */
    void histogram(String name, String help, Labels labels, LatencyHistogram.Snapshot snapshot) {
        double[] bounds = new double[BOUNDS.length + 1];
        System.arraycopy(BOUNDS, 0, bounds, 0, BOUNDS.length);
        bounds[BOUNDS.length] = Double.POSITIVE_INFINITY;
        family(histograms, name, help, HistogramSnapshot::builder).dataPoint(
                HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, snapshot.counts().clone()))
                        .sum(snapshot.sumNanos() / 1e9).build());
    }

    MetricSnapshots build() {
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        for (String name : order) {
            MetricSnapshot built = counters.containsKey(name) ? counters.get(name).build()
                    : gauges.containsKey(name) ? gauges.get(name).build() : histograms.get(name).build();
            all.metricSnapshot(built);
        }
        return all.build();
    }

    private <B extends MetricSnapshot.Builder<B>> B family(Map<String, B> families, String name, String help,
                                                           Supplier<B> create) {
        B builder = families.get(name);
        if (builder == null) {
            if (!order.add(name)) {
                throw new IllegalStateException(name + " is already a metric of another type");
            }
            builder = create.get().name(name).help(help);
            families.put(name, builder);
        }
        return builder;
    }
}
