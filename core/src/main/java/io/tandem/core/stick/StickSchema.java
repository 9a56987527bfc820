package io.tandem.core.stick;

import io.tandem.core.config.ConfigError;
import io.tandem.core.config.ConfigValues;
import io.tandem.core.config.Located;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What a stick table stores besides {@code server_id}: the counters of its {@code store} list, rates with their period. */
public final class StickSchema {
    /** HAProxy store types Tandem knows of but does not implement yet: a clear "not supported yet" for them. */
    private static final Set<String> NOT_YET = Set.of("gpc0", "gpc0_rate", "gpc1", "gpc1_rate", "gpc", "gpc_rate",
            "gpt0", "gpt", "conn_cur", "sess_cnt", "sess_rate", "http_fail_cnt", "http_fail_rate", "bytes_in_cnt",
            "bytes_in_rate", "bytes_out_cnt", "bytes_out_rate", "glitch_cnt", "glitch_rate", "server_key",
            "server_name");

    private final Map<StickData, Duration> stored;

    private StickSchema(Map<StickData, Duration> stored) {
        this.stored = stored;
    }

    /** A schema storing {@code data}, rates with their period; {@code server_id} is always stored. */
    public static StickSchema of(Map<StickData, Duration> data) {
        Map<StickData, Duration> stored = new EnumMap<>(StickData.class);
        stored.put(StickData.SERVER_ID, Duration.ZERO);
        data.forEach((d, period) -> stored.put(d, d.kind() == StickData.Kind.RATE ? period : Duration.ZERO));
        return new StickSchema(stored);
    }

    /**
     * Parses a {@code store} list ({@code http_req_rate(10s)}, {@code conn_cnt}, ...), reporting each bad item at
     * its position; the schema holds the items that parsed.
     */
    public static StickSchema parse(List<Located<String>> items, List<ConfigError> errors) {
        Map<StickData, Duration> data = new EnumMap<>(StickData.class);
        for (Located<String> item : items) {
            String text = item.value().trim();
            int open = text.indexOf('(');
            String name = open < 0 ? text : text.substring(0, open);
            StickData d = StickData.named(name);
            if (d == null) {
                String message = NOT_YET.contains(name) ? "stick-table store '" + name + "' is not supported yet"
                        : "unknown stick-table store '" + name + "'; expected one of " + keywords();
                errors.add(new ConfigError(item.pos(), message));
                continue;
            }
            if (d.kind() != StickData.Kind.RATE) {
                if (open >= 0) {
                    errors.add(new ConfigError(item.pos(), "'" + name + "' takes no period"));
                } else {
                    data.put(d, Duration.ZERO);
                }
                continue;
            }
            if (open < 0 || !text.endsWith(")")) {
                errors.add(new ConfigError(item.pos(), "'" + name + "' needs a period, e.g. " + name + "(10s)"));
                continue;
            }
            try {
                Duration period = ConfigValues.parseDuration(text.substring(open + 1, text.length() - 1).trim());
                if (period.isZero()) {
                    errors.add(new ConfigError(item.pos(), "the period of '" + name + "' must be longer than 0"));
                } else {
                    data.put(d, period);
                }
            } catch (IllegalArgumentException e) {
                errors.add(new ConfigError(item.pos(), e.getMessage()));
            }
        }
        return of(data);
    }

    private static String keywords() {
        return Stream.of(StickData.values()).map(d -> d.kind() == StickData.Kind.RATE ? d.keyword() + "(PERIOD)"
                : d.keyword()).collect(Collectors.joining(", "));
    }

    /** True when entries keep {@code data}. */
    public boolean stores(StickData data) {
        return stored.containsKey(data);
    }

    /** The period of a stored rate; null when {@code data} is not a stored rate. */
    public Duration period(StickData data) {
        Duration period = stored.get(data);
        return period == null || period.isZero() ? null : period;
    }

    /** The stored data, in {@link StickData} order. */
    public Set<StickData> stored() {
        return stored.keySet();
    }

    /** Equal when both store the same data, rates over the same periods. */
    @Override
    public boolean equals(Object other) {
        return other instanceof StickSchema that && stored.equals(that.stored);
    }

    @Override
    public int hashCode() {
        return stored.hashCode();
    }

    /** The store list as HAProxy prints it, e.g. {@code server_id,http_req_rate(10000)}. */
    @Override
    public String toString() {
        return stored.entrySet().stream().map(e -> e.getValue().isZero() ? e.getKey().keyword()
                : e.getKey().keyword() + "(" + e.getValue().toMillis() + ")").collect(Collectors.joining(","));
    }
}
