package io.tandem.appliance;

import jnr.unixsocket.UnixDatagramChannel;
import jnr.unixsocket.UnixSocketAddress;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Access-log lines as RFC 5424 syslog messages, one datagram each, over UDP ({@code syslog://host:514}) or a local
 * unix datagram socket ({@code syslog:/dev/log}): {@code <134>1 2026-12-03T12:40:00.123Z lb-a tandem 4242 access -
 * LINE}, facility local0 and severity info as HAProxy sends them, the node name as HOSTNAME, the time it was sent.
 * The line is ASCII (both access-log formats escape everything else), so the MSG needs no BOM.
 */
final class SyslogSink implements AsyncAccessLog.Sink {
    /** local0 (16) * 8 + info (6). */
    static final int PRIORITY = 134;
    static final String APP_NAME = "tandem";
    static final String MSGID = "access";
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final DatagramChannel channel;
    private final SocketAddress target;
    /** What follows the timestamp: {@code " HOSTNAME APP-NAME PROCID MSGID SD "}. */
    private final String afterTimestamp;
    /** The datagram being sent, reused for the next (the writer's thread only). */
    private ByteBuffer datagram = ByteBuffer.allocate(1024);
    /** The largest UDP payload; syslog receivers truncate long messages anyway. */
    private static final int MAX_DATAGRAM = 65507;

    private SyslogSink(DatagramChannel channel, SocketAddress target, String nodeName) {
        this.channel = channel;
        this.target = target;
        this.afterTimestamp = " " + headerField(nodeName, 255) + " " + APP_NAME + " " + ProcessHandle.current().pid()
                + " " + MSGID + " - ";
    }

    /** UDP to {@code host:port}. */
    static SyslogSink udp(InetSocketAddress target, String nodeName) throws IOException {
        return new SyslogSink(DatagramChannel.open(), target, nodeName);
    }

    /**
     * The local syslog daemon's datagram socket, for example /dev/log (journald's or rsyslog's). Through
     * jnr-unixsocket: JDK 17's unix-domain channels are stream sockets only.
     */
    static SyslogSink local(String path, String nodeName) throws IOException {
        return new SyslogSink(UnixDatagramChannel.open(), new UnixSocketAddress(new File(path)), nodeName);
    }

    /** One datagram per line: the header (its timestamp taken once per batch), then the line without its LF. */
    @Override
    public void write(byte[] lines, int length) throws IOException {
        byte[] header = ("<" + PRIORITY + ">1 " + TIMESTAMP.format(Instant.now()) + afterTimestamp)
                .getBytes(StandardCharsets.US_ASCII);
        int start = 0;
        while (start < length) {
            int end = start;
            while (lines[end] != '\n') {
                end++;
            }
            int size = Math.min(header.length + end - start, MAX_DATAGRAM);
            if (datagram.capacity() < size) {
                datagram = ByteBuffer.allocate(size);
            }
            datagram.clear();
            datagram.put(header).put(lines, start, size - header.length).flip();
            channel.send(datagram, target);
            start = end + 1;
        }
    }

    /** A header field as RFC 5424 allows it: printable ASCII without spaces, at most {@code max} long, else "-". */
    static String headerField(String value, int max) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && out.length() < max; i++) {
            char c = value.charAt(i);
            out.append(c > 32 && c < 127 ? c : '_');
        }
        return out.length() == 0 ? "-" : out.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
