package io.tandem.appliance.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of the runtime API, as {@code tandem ctl} uses it: sends one command line and reads the reply
 * until the daemon closes. The JDK's unix channels suffice here (a client needs no peer credentials; the daemon
 * side uses jnr-unixsocket for those). Failures to reach the daemon are told apart, each with what to do, and a
 * daemon that accepts but does not answer is given up on after a timeout instead of hanging the client.
 */
public final class AdminClient {
    /**
     * How long {@code tandem ctl} waits for the connect and then for each part of the reply by default: far above
     * what the slowest command takes (a reload that resolves host names, {@code show sessions} at 2 s per loop).
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern TEXT_ERROR = Pattern.compile("^error \\[([a-z-]+)]: ", Pattern.MULTILINE);
    private static final Pattern JSON_ERROR = Pattern.compile("^\\{\"error\":\\{\"kind\":\"([a-z-]+)\"", Pattern.MULTILINE);

    private AdminClient() {
    }

    /** Why the daemon could not be reached, or did not answer in time. */
    public enum Unreachable { NOT_RUNNING, PERMISSION_DENIED, NO_ANSWER }

    /** The daemon could not be reached: {@link #reason} and a message that says what to do. */
    public static final class UnreachableException extends IOException {
        private static final long serialVersionUID = 1L;
        private final Unreachable reason;

        UnreachableException(Unreachable reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Unreachable reason() {
            return reason;
        }
    }

    /** Sends {@code line} to the daemon on {@code socket} and returns its whole reply, waiting {@link #DEFAULT_TIMEOUT}. */
    public static String send(Path socket, String line) throws IOException {
        return send(socket, line, DEFAULT_TIMEOUT);
    }

    /**
     * Sends {@code line} to the daemon on {@code socket} and returns its whole reply (until the daemon closes). The
     * connect, the send and each wait for more of the reply may take up to {@code timeout}: past that it fails with
     * {@link Unreachable#NO_ANSWER}, so a daemon that accepts and never answers cannot hang the caller.
     */
    public static String send(Path socket, String line, Duration timeout) throws IOException {
        if (!Files.exists(socket)) {
            Path directory = socket.toAbsolutePath().getParent();
            if (directory != null && Files.isDirectory(directory) && !Files.isExecutable(directory)) {
                // The socket may well be there: this user may not look into its directory (/run/tandem is 0750).
                throw new UnreachableException(Unreachable.PERMISSION_DENIED, "permission denied on " + directory
                        + ": run as root, or as a member of its group (ls -ld " + directory + ")");
            }
            throw new UnreachableException(Unreachable.NOT_RUNNING, "the daemon is not running: no socket at "
                    + socket + " (start it with systemctl start tandem, or give its socket with -s PATH)");
        }
        long timeoutMillis = Math.max(1, timeout.toMillis());
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
             Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            SelectionKey key = channel.register(selector, 0);
            if (!connect(channel, socket)) {
                await(selector, key, SelectionKey.OP_CONNECT, timeoutMillis, socket, "accept the connection");
                finishConnect(channel, socket);
            }
            ByteBuffer request = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (request.hasRemaining()) {
                if (channel.write(request) == 0) {
                    await(selector, key, SelectionKey.OP_WRITE, timeoutMillis, socket, "read the command");
                }
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            while (true) {
                int n = channel.read(buffer);
                if (n < 0) {
                    return reply.toString(StandardCharsets.UTF_8);
                }
                if (n == 0) {
                    await(selector, key, SelectionKey.OP_READ, timeoutMillis, socket, "answer");
                    continue;
                }
                buffer.flip();
                reply.write(buffer.array(), 0, buffer.limit());
                buffer.clear();
            }
        }
    }

    /** Waits up to {@code timeoutMillis} for {@code op} on {@code key}, else fails: the daemon did not {@code what}. */
    private static void await(Selector selector, SelectionKey key, int op, long timeoutMillis, Path socket,
                              String what) throws IOException {
        key.interestOps(op);
        selector.selectedKeys().clear();
        if (selector.select(timeoutMillis) == 0) {
            throw new UnreachableException(Unreachable.NO_ANSWER, "the daemon on " + socket + " did not " + what
                    + " within " + timeoutMillis + " ms (is it stuck? see journalctl -u tandem; a longer wait: "
                    + "--timeout)");
        }
    }

    /** Starts connecting; true when already connected (a unix socket usually is at once). */
    private static boolean connect(SocketChannel channel, Path socket) throws IOException {
        try {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw unreachable(e, socket);
        }
    }

    private static void finishConnect(SocketChannel channel, Path socket) throws IOException {
        try {
            channel.finishConnect();
        } catch (IOException e) {
            throw unreachable(e, socket);
        }
    }

    /** {@code e} from a connect, told apart as a refusal of this user, a socket nobody listens on, or as it is. */
    private static IOException unreachable(IOException e, Path socket) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("Permission denied")) {
            return new UnreachableException(Unreachable.PERMISSION_DENIED, "permission denied on " + socket
                    + ": run as root, or as a member of the socket's group (ls -l " + socket + ")");
        }
        if (message.contains("Connection refused")) {
            return new UnreachableException(Unreachable.NOT_RUNNING, "the daemon is not running: nothing "
                    + "listens on " + socket + " (a socket left by a daemon that stopped)");
        }
        return e;
    }

    /**
     * The kind of the first error in a reply ({@code usage}, {@code not-found}, {@code refused}, {@code denied},
     * {@code internal}), in its text or JSON form, or null when the command succeeded.
     */
    public static String errorKind(String reply) {
        Matcher text = TEXT_ERROR.matcher(reply);
        if (text.find()) {
            return text.group(1);
        }
        Matcher json = JSON_ERROR.matcher(reply);
        return json.find() ? json.group(1) : null;
    }
}
