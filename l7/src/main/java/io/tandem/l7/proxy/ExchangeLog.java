package io.tandem.l7.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.tandem.core.config.HostPort;
import io.tandem.core.metrics.HttpCounters;
import io.tandem.l7.tls.TlsSession;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The timings and outcome of one request, counted once it ends ({@link #count}) and rendered as one HAProxy
 * {@code httplog}-style line (or as JSON):
 * {@code client:port [accept date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes - - tsc retries "request"}.
 * Timers are milliseconds, -1 for a phase never reached, as operators know them from HAProxy.
 */
final class ExchangeLog {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    /** The formatted second, per event loop thread: formatting a date for every request is measurable. */
    private static final ThreadLocal<CachedSecond> SECOND = ThreadLocal.withInitial(() -> new CachedSecond(DATE));
    private static final DateTimeFormatter UTC_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final ThreadLocal<CachedSecond> UTC_SECOND = ThreadLocal.withInitial(() -> new CachedSecond(UTC_DATE));
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** One builder per event loop, reused by every line it renders: the line is copied out of it, never a String. */
    private static final FastThreadLocal<StringBuilder> LINE = new FastThreadLocal<>() {
        @Override
        protected StringBuilder initialValue() {
            return new StringBuilder(LINE_CAPACITY);
        }
    };
    private static final int LINE_CAPACITY = 512;
    /** A builder grown past this by a huge request line is dropped, not kept for the life of the thread. */
    private static final int MAX_KEPT_CAPACITY = 16384;

    /** Who ended the exchange, HAProxy's first termination character. */
    enum Cause {
        NORMAL('-'), CLIENT_ABORT('C'), SERVER_ABORT('S'), PROXY('P'), RESOURCE('R'), INTERNAL('I'),
        CLIENT_TIMEOUT('c'), SERVER_TIMEOUT('s');

        final char code;

        Cause(char code) {
            this.code = code;
        }
    }

    /** How far the exchange had got, HAProxy's second termination character. */
    enum Phase {
        REQUEST('R'), QUEUE('Q'), CONNECT('C'), HEADERS('H'), DATA('D'), LAST('L'), DONE('-');

        final char code;

        Phase(char code) {
            this.code = code;
        }
    }

    final long acceptMillis;
    final long startNanos;
    long requestDoneNanos = -1;
    long queueDoneNanos = -1;
    long connectedNanos = -1;
    long responseHeadNanos = -1;
    long bytesToClient;
    /** Request body bytes (tunnel bytes after a 101) from the client. */
    long bytesFromClient;
    int status = -1;
    int retries;
    /** HAProxy's cookie flags: '-' without persistence, else N(one) I(nvalid) D(own) V(alid) / N I(nserted). */
    char cookieRequest = '-';
    char cookieResponse = '-';
    Cause cause = Cause.NORMAL;
    Phase phase = Phase.REQUEST;
    /** Set where the cause alone does not tell it (a deny, a malformed request); else derived by {@link #outcome}. */
    HttpCounters.Outcome outcome;
    String backend = "<NOSRV>";
    String server = "<NOSRV>";
    /** The counters of the backend and server the request reached, null until it did. */
    HttpCounters backendCounters;
    HttpCounters serverCounters;
    /** The request line in its three parts, joined only when a line is rendered; target and version may be null. */
    private final String method;
    private final String target;
    private final String version;

    /** An exchange whose request line is one word ({@code <BADREQ>}). */
    ExchangeLog(String requestLine) {
        this(requestLine, null, null);
    }

    ExchangeLog(String method, String target, String version) {
        this.acceptMillis = System.currentTimeMillis();
        this.startNanos = System.nanoTime();
        this.method = method;
        this.target = target;
        this.version = version;
    }

    /** Records how the exchange ended unless an earlier, more precise cause was already recorded. */
    void terminate(Cause cause, Phase phase) {
        if (this.cause == Cause.NORMAL) {
            this.cause = cause;
            this.phase = phase;
        }
    }

    /**
     * Counts the ended exchange in {@code frontend}'s counters and in those of its backend and server, if any; a
     * request a server answered also counts its phases there (queue, connect, response head, total).
     */
    void count(HttpCounters frontend) {
        long total = System.nanoTime() - startNanos;
        HttpCounters.Outcome outcome = outcome();
        count(frontend, total, outcome);
        if (backendCounters != null) {
            count(backendCounters, total, outcome);
        }
        if (serverCounters != null) {
            count(serverCounters, total, outcome);
            if (responseHeadNanos >= 0) {
                long queue = millis(requestDoneNanos, queueDoneNanos);
                long connect = millis(queueDoneNanos, connectedNanos);
                long response = millis(connectedNanos, responseHeadNanos);
                long all = total / 1_000_000;
                backendCounters.phases(queue, connect, response, all);
                serverCounters.phases(queue, connect, response, all);
            }
        }
    }

    private void count(HttpCounters counters, long totalNanos, HttpCounters.Outcome outcome) {
        counters.request(status, totalNanos, outcome, bytesFromClient, bytesToClient);
    }

    /**
     * How the exchange ended for the error counters, from who ended it and where, as HAProxy counts them: a client
     * timeout answered with 408 is a request error, any other end by the client an abort; a server that failed
     * before its response head is a response error, one that failed in its body a server abort.
     */
    HttpCounters.Outcome outcome() {
        if (outcome != null) {
            return outcome;
        }
        return switch (cause) {
            case CLIENT_ABORT -> HttpCounters.Outcome.CLIENT_ABORT;
            case CLIENT_TIMEOUT -> status == 408 ? HttpCounters.Outcome.REQUEST_ERROR : HttpCounters.Outcome.CLIENT_ABORT;
            case SERVER_ABORT, SERVER_TIMEOUT -> switch (phase) {
                case HEADERS -> HttpCounters.Outcome.RESPONSE_ERROR;
                case DATA -> HttpCounters.Outcome.SERVER_ABORT;
                default -> HttpCounters.Outcome.DONE;
            };
            default -> HttpCounters.Outcome.DONE;
        };
    }

    /**
     * The line for {@code client} on {@code frontend}; over TLS ({@code tls} not null) it ends as HAProxy's
     * {@code httpslog} does, with {@code SNI/VERSION/CIPHER} ({@code -} for no SNI). The line is the thread's reused
     * builder: valid until the thread renders the next one.
     */
    CharSequence render(InetSocketAddress client, String frontend, TlsSession tls) {
        long end = System.nanoTime();
        StringBuilder line = line();
        HostPort.append(line, client)
                .append(" [").append(SECOND.get().format(acceptMillis / 1000)).append('.');
        appendMillis(line, acceptMillis % 1000);
        line.append("] ")
                .append(frontend).append(' ').append(backend).append('/').append(server).append(' ')
                .append(millis(startNanos, requestDoneNanos)).append('/')
                .append(millis(requestDoneNanos, queueDoneNanos)).append('/')
                .append(millis(queueDoneNanos, connectedNanos)).append('/')
                .append(millis(connectedNanos, responseHeadNanos)).append('/')
                .append(millis(startNanos, end)).append(' ')
                .append(status).append(' ').append(bytesToClient).append(" - - ");
        appendTermination(line);
        line.append(' ').append(retries).append(" \"");
        appendEscaped(line, method);
        if (target != null) {
            appendEscaped(line.append(' '), target);
            appendEscaped(line.append(' '), version);
        }
        line.append('"');
        if (tls != null) {
            line.append(' ');
            appendEscaped(line, tls.sni() == null ? "-" : tls.sni());
            line.append('/').append(tls.protocol()).append('/').append(tls.cipher());
        }
        return line;
    }

    /**
     * The same exchange as one JSON object ({@code global.log-format: json}): the httplog fields, the timers under
     * HAProxy's names (TR, Tw, Tc, Tr, Ta; milliseconds, -1 for a phase never reached), the accept date in UTC, the
     * request line as received; over TLS also {@code ssl_fc_sni} (null without SNI), {@code ssl_version} and
     * {@code ssl_cipher}. The line is the thread's reused builder, as {@link #render}'s.
     */
    CharSequence renderJson(InetSocketAddress client, String frontend, TlsSession tls) {
        long end = System.nanoTime();
        StringBuilder line = line();
        line.append("{\"accept_date\":\"").append(UTC_SECOND.get().format(acceptMillis / 1000)).append('.');
        appendMillis(line, acceptMillis % 1000);
        line.append("Z\",\"client_ip\":\"").append(HostPort.text(client.getAddress()))
                .append("\",\"client_port\":").append(client.getPort())
                .append(",\"frontend\":");
        appendJsonString(line, frontend);
        line.append(",\"backend\":");
        appendJsonString(line, backend);
        line.append(",\"server\":");
        appendJsonString(line, server);
        line.append(",\"TR\":").append(millis(startNanos, requestDoneNanos))
                .append(",\"Tw\":").append(millis(requestDoneNanos, queueDoneNanos))
                .append(",\"Tc\":").append(millis(queueDoneNanos, connectedNanos))
                .append(",\"Tr\":").append(millis(connectedNanos, responseHeadNanos))
                .append(",\"Ta\":").append(millis(startNanos, end))
                .append(",\"status\":").append(status)
                .append(",\"bytes\":").append(bytesToClient)
                .append(",\"termination_state\":\"");
        appendTermination(line);
        line.append("\",\"retries\":").append(retries)
                .append(",\"request\":\"");
        appendJsonChars(line, method);
        if (target != null) {
            appendJsonChars(line.append(' '), target);
            appendJsonChars(line.append(' '), version);
        }
        line.append('"');
        if (tls != null) {
            line.append(",\"ssl_fc_sni\":");
            if (tls.sni() == null) {
                line.append("null");
            } else {
                appendJsonString(line, tls.sni());
            }
            line.append(",\"ssl_version\":\"").append(tls.protocol()).append("\",\"ssl_cipher\":\"")
                    .append(tls.cipher()).append('"');
        }
        return line.append('}');
    }

    private static StringBuilder line() {
        StringBuilder line = LINE.get();
        if (line.capacity() > MAX_KEPT_CAPACITY) {
            line = new StringBuilder(LINE_CAPACITY);
            LINE.set(line);
        }
        line.setLength(0);
        return line;
    }

    /**
     * {@code text} as a JSON string, ASCII only: a char of the request is one byte read as Latin-1, so anything
     * outside printable ASCII is written as {@code \\u00XX}, that byte's value, whatever encoding the client meant.
     */
    static void appendJsonString(StringBuilder out, String text) {
        out.append('"');
        appendJsonChars(out, text);
        out.append('"');
    }

    /** The inside of {@link #appendJsonString}, without the quotes. */
    private static void appendJsonChars(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7F) {
                out.append("\\u").append(HEX[c >> 12]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF])
                        .append(HEX[c & 0xF]);
            } else {
                out.append(c);
            }
        }
    }

    /**
     * Appends {@code text} for a quoted field as HAProxy encodes its request line: {@code "}, {@code #}, control
     * characters and everything from DEL up become {@code #} and two hex digits ({@code #22}), so a client cannot
     * end the field, forge a field after it, or put a line break into the log.
     */
    static void appendEscaped(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0xFF) {
                // Not from the wire (the decoder reads bytes as Latin-1, one char per byte): its UTF-8 bytes.
                int end = Character.isHighSurrogate(c) && i + 1 < text.length() ? i + 2 : i + 1;
                for (byte b : text.substring(i, end).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    appendByte(out, b & 0xFF);
                }
                i = end - 1;
            } else if (c < 0x20 || c >= 0x7F || c == '"' || c == '#') {
                appendByte(out, c);
            } else {
                out.append(c);
            }
        }
    }

    /** HAProxy's four termination characters: who ended it, where, and the two persistence-cookie flags. */
    private void appendTermination(StringBuilder out) {
        out.append(cause.code).append(cause == Cause.NORMAL ? '-' : phase.code).append(cookieRequest).append(cookieResponse);
    }

    private static void appendMillis(StringBuilder out, long millis) {
        out.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
    }

    private static void appendByte(StringBuilder out, int b) {
        out.append('#').append(HEX[b >> 4]).append(HEX[b & 0xF]);
    }

    /** One thread's last formatted second. */
    private static final class CachedSecond {
        private final DateTimeFormatter formatter;
        private long epochSecond = Long.MIN_VALUE;
        private String text;

        CachedSecond(DateTimeFormatter formatter) {
            this.formatter = formatter;
        }

        String format(long second) {
            if (second != epochSecond) {
                epochSecond = second;
                text = formatter.format(Instant.ofEpochSecond(second));
            }
            return text;
        }
    }

    private static long millis(long fromNanos, long toNanos) {
        if (fromNanos < 0 || toNanos < 0) {
            return -1;
        }
        return (toNanos - fromNanos) / 1_000_000;
    }
}
