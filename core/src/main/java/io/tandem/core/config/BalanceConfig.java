package io.tandem.core.config;

/**
 * How a backend picks a server: the algorithm, its argument ({@code hdr(NAME)}'s header name, else null) and
 * whether hashing algorithms use a consistent ring ({@code hash-type: consistent}) rather than map-based modulo.
 */
public record BalanceConfig(Algorithm algorithm, String argument, boolean consistent) {

    /** The balance algorithms, named as in the config. */
    public enum Algorithm {
        ROUNDROBIN("roundrobin"), LEASTCONN("leastconn"), SOURCE("source"), URI("uri"), HDR("hdr"),
        RANDOM("random"), MAGLEV("maglev");

        private final String configName;

        Algorithm(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        /** True for the algorithms that hash a request key to a server. */
        public boolean hashes() {
            return this == SOURCE || this == URI || this == HDR || this == MAGLEV;
        }
    }
}
