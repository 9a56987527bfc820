package io.tandem.l7.proxy;

import io.tandem.core.config.GlobalConfig;

/**
 * Where finished requests are written, one line each. Implementations must not block the calling event loop
 * (copy the line and write it elsewhere: {@link AccessLogBuffer}).
 */
public interface AccessLog {

    /** No access log ({@code log: none}): lines are not even rendered. */
    AccessLog NONE = line -> { };

    /** The line is valid during the call only (it is the event loop's reused builder): keep a copy, not it. */
    void log(CharSequence line);

    /** The layout lines are rendered in before {@link #log}: HAProxy's httplog unless the log says otherwise. */
    default GlobalConfig.LogFormat format() {
        return GlobalConfig.LogFormat.HTTPLOG;
    }
}
