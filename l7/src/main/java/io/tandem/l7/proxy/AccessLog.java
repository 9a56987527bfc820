package io.tandem.l7.proxy;

/**
 * Where finished requests are written, one line each. Implementations must not block the calling event loop
 * (queue the line and write it elsewhere).
 */
public interface AccessLog {

    /** Discards every line (tests and benchmarks that do not read the log). */
    AccessLog DISCARD = line -> { };

    void log(String line);
}
