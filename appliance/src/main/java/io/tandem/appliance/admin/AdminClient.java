package io.tandem.appliance.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of the runtime API, as {@code tandem ctl} uses it: sends one command line and reads the reply
 * until the daemon closes. The JDK's unix channels suffice here (a client needs no peer credentials; the daemon
 * side uses jnr-unixsocket for those). Failures to reach the daemon are told apart, each with what to do.
 */
public final class AdminClient {
    private static final Pattern TEXT_ERROR = Pattern.compile("^error \\[([a-z-]+)]: ", Pattern.MULTILINE);
    private static final Pattern JSON_ERROR = Pattern.compile("^\\{\"error\":\\{\"kind\":\"([a-z-]+)\"", Pattern.MULTILINE);

    private AdminClient() {
    }

    /** Why the daemon could not be reached. */
    public enum Unreachable { NOT_RUNNING, PERMISSION_DENIED }

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

    /** Sends {@code line} to the daemon on {@code socket} and returns its whole reply. */
    public static String send(Path socket, String line) throws IOException {
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
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            connect(channel, socket);
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                reply.write(buffer.array(), 0, buffer.limit());
                buffer.clear();
            }
            return reply.toString(StandardCharsets.UTF_8);
        }
    }

    private static void connect(SocketChannel channel, Path socket) throws IOException {
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("Permission denied")) {
                throw new UnreachableException(Unreachable.PERMISSION_DENIED, "permission denied on " + socket
                        + ": run as root, or as a member of the socket's group (ls -l " + socket + ")");
            }
            if (message.contains("Connection refused")) {
                throw new UnreachableException(Unreachable.NOT_RUNNING, "the daemon is not running: nothing "
                        + "listens on " + socket + " (a socket left by a daemon that stopped)");
            }
            throw e;
        }
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
