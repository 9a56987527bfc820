package io.tandem.core.health;

import io.tandem.core.config.CheckConfig;

/**
 * What one kind of check sends after connecting and how it judges the reply. The connection handling is the
 * same for every kind ({@link ProbeHandler}); only this differs.
 */
interface Probe {
    /** Bytes kept from a reply at most; beyond it the reply is judged as complete. */
    int MAX_REPLY = 32 * 1024;

    /** The text to send once connected (sent as ISO-8859-1), or null to send nothing. */
    String request();

    /**
     * The verdict on the reply so far, or null to keep reading.
     *
     * @param received the reply's bytes as ISO-8859-1 characters
     * @param complete true when no more will come (peer closed, or {@link #MAX_REPLY} reached)
     */
    Verdict judge(CharSequence received, boolean complete);

    /**
     * The probe a check config describes; {@code defaultHost} is the Host header when the config sets none, and
     * {@code h2} says an HTTP check goes to an HTTP/2 server (its request then sent by {@link Http2ProbeBridge}).
     */
    static Probe of(CheckConfig check, String defaultHost, boolean h2) {
        return switch (check.kind()) {
            case TCP -> new TcpProbe(check.send(), check.expectString());
            case HTTP -> h2 ? HttpProbe.overHttp2(check.expectStatus(), check.expectString())
                    : new HttpProbe(check.method(), check.path(), host(check, defaultHost), check.expectStatus(),
                    check.expectString());
        };
    }

    /** The Host (or {@code :authority}) of an HTTP check: its {@code host}, else {@code defaultHost}. */
    static String host(CheckConfig check, String defaultHost) {
        return check.host() != null ? check.host() : defaultHost;
    }

    /** Passed or failed, and why. */
    record Verdict(boolean passed, String detail) {
    }
}
