package io.tandem.l7.proxy;

import io.tandem.core.config.GlobalConfig;

/**
 * Where finished requests are written, one line each. Implementations must not block the calling event loop
 * (queue the line and write it elsewhere).
 */
public interface AccessLog {

    /** No access log ({@code log: none}): lines are not even rendered. */
    AccessLog NONE = line -> { };

    void log(String line);

    /** The layout lines are rendered in before {@link #log}: HAProxy's httplog unless the log says otherwise. */
    default GlobalConfig.LogFormat format() {
        return GlobalConfig.LogFormat.HTTPLOG;
    }
}
