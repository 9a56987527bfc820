package io.tandem.appliance.admin;

import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime API's unix socket ({@code admin.socket}, mode 0660, group {@code tandem} when that group exists):
 * HAProxy's line protocol, so {@code echo "show stat" | socat stdio /run/tandem/tandem.sock} works. A connection
 * sends one line (several commands separated by {@code ;}) and gets the replies, then the socket closes; after
 * {@code prompt} it stays open, one command per line with a {@code > } prompt, until {@code quit}.
 *
 * <p>Built on jnr-unixsocket rather than the JDK's unix channels (JDK 16+ {@code UnixDomainSocketAddress}) because
 * the JDK gives no peer credentials: SO_PEERCRED is how the daemon learns which uid and gid are on the other end
 * and refuses those outside the socket's group ({@link PeerPolicy}).
 *
 * <p>Runs on its own threads, never on an event loop: one accepts, a few serve connections (more clients wait
 * in a short queue, and past it are told the API is busy).
 */
public final class AdminSocket implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AdminSocket.class.getName());
    private static final String GROUP = "tandem";
    private static final int WORKERS = 4;
    private static final int QUEUED = 16;
    /** A client silent this long is disconnected (HAProxy's {@code timeout cli} is 10s; a prompt user types). */
    private static final int READ_TIMEOUT_MILLIS = 60_000;
    private static final int MAX_LINE = 64 * 1024;
    /** How long a refused client may take to send its line before it is told. */
    private static final int REFUSAL_READ_MILLIS = 2_000;

    private final Path path;
    private final UnixServerSocketChannel server;
    private final PeerPolicy policy;
    private final Commands commands;
    private final ThreadPoolExecutor workers;
    private final Thread acceptor;
    private volatile boolean closed;

    private AdminSocket(Path path, UnixServerSocketChannel server, PeerPolicy policy, Commands commands) {
        this.path = path;
        this.server = server;
        this.policy = policy;
        this.commands = commands;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED), r -> daemonThread(r, "tandem-admin-" + n.incrementAndGet()));
        workers.allowCoreThreadTimeOut(true);
        this.acceptor = daemonThread(this::acceptLoop, "tandem-admin-accept");
    }

    private static Thread daemonThread(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Listens on {@code socket} for commands on {@code view}: removes a stale socket file first (refusing when
     * another daemon answers on it), then sets mode 0660 and the group. The directory must exist.
     */
    public static AdminSocket start(String socket, RuntimeView view) throws IOException {
        Path path = Path.of(socket);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            // Made by the packages (systemd-tmpfiles) with its owner and mode; not guessed here.
            throw new IOException("runtime API: directory " + parent + " does not exist; create it for the "
                    + "daemon's user, or set admin.socket to a path in an existing directory");
        }
        removeStale(path);
        UnixServerSocketChannel server = UnixServerSocketChannel.open();
        try {
            server.socket().bind(new UnixSocketAddress(path.toFile()));
            PeerPolicy policy = secure(path);
            AdminSocket admin = new AdminSocket(path, server, policy, new Commands(view));
            admin.acceptor.start();
            LOG.log(System.Logger.Level.INFO, "runtime API listening on " + path + " (mode 0660, group "
                    + policy.groupName() + "): try echo \"show servers\" | socat stdio " + path);
            return admin;
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(path);
            throw new IOException("runtime API: cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    /** A socket file left by a daemon that died is removed; one that a running daemon answers on is not. */
    private static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther()) {
            throw new IOException("runtime API: " + path + " exists and is not a socket; remove it or set "
                    + "admin.socket to another path");
        }
        boolean answered;
        try (UnixSocketChannel probe = UnixSocketChannel.open(new UnixSocketAddress(path.toFile()))) {
            answered = true;
        } catch (IOException refused) {
            answered = false;
        }
        if (answered) {
            throw new IOException("runtime API: another process listens on " + path
                    + " (is tandem already running?); stop it or set admin.socket to another path");
        }
        Files.delete(path);
    }

    /** Mode 0660 and group {@value #GROUP} when it exists (else the daemon's own group, said in the log). */
    private static PeerPolicy secure(Path path) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        String groupName;
        try {
            GroupPrincipal group = path.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(GROUP);
            Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(group);
            groupName = GROUP;
        } catch (UserPrincipalNotFoundException none) {
            groupName = Files.readAttributes(path, PosixFileAttributes.class).group().getName();
            LOG.log(System.Logger.Level.INFO, "runtime API: no group '" + GROUP + "' on this host, so " + path
                    + " keeps the daemon's group " + groupName + "; create the group (groupadd --system " + GROUP
                    + ") to let its members use tandem ctl without root");
        }
        int daemonUid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int socketGid = (Integer) Files.getAttribute(path, "unix:gid");
        return new PeerPolicy(daemonUid, socketGid, groupName);
    }

    private void acceptLoop() {
        while (!closed) {
            UnixSocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "runtime API: accept on " + path + " failed: "
                            + e.getMessage());
                }
                continue;
            }
            if (client == null) {
                continue;
            }
            try {
                workers.execute(() -> serve(client));
            } catch (RejectedExecutionException busy) {
                reply(client, "error [refused]: the runtime API is busy with other clients; try again\n");
                closeQuietly(client);
            }
        }
    }

    private void serve(UnixSocketChannel client) {
        try (client) {
            Credentials peer = client.getOption(UnixSocketOptions.SO_PEERCRED);
            String refusal = policy.refusal(peer.getPid(), peer.getUid(), peer.getGid());
            if (refusal != null) {
                LOG.log(System.Logger.Level.WARNING, "runtime API: refused a client (pid " + peer.getPid() + ", uid "
                        + peer.getUid() + ", gid " + peer.getGid() + "): not root, the daemon's user nor in group "
                        + policy.groupName() + "; add the user to that group to allow it");
                // Read what it sent first: closing on unread data would reset the connection before the reply.
                client.setOption(UnixSocketOptions.SO_RCVTIMEO, REFUSAL_READ_MILLIS);
                readLine(new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                        StandardCharsets.UTF_8)));
                reply(client, "error [denied]: " + refusal + "\n");
                return;
            }
            client.setOption(UnixSocketOptions.SO_RCVTIMEO, READ_TIMEOUT_MILLIS);
            String who = "uid " + peer.getUid() + ", pid " + peer.getPid();
            converse(client, who);
        } catch (IOException e) {
            // The client left or timed out: nothing to tell it.
        }
    }

    private void converse(UnixSocketChannel client, String who) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                StandardCharsets.UTF_8));
        OutputStream out = Channels.newOutputStream(client);
        boolean interactive = false;
        String line;
        while ((line = readLine(in)) != null) {
            StringBuilder reply = new StringBuilder();
            boolean quit = false;
            for (String command : line.split(";")) {
                List<String> words = new ArrayList<>(Arrays.asList(command.trim().split("\\s+")));
                words.removeIf(String::isEmpty);
                if (words.isEmpty()) {
                    continue;
                }
                if (words.equals(List.of("prompt"))) {
                    interactive = !interactive;
                } else if (words.equals(List.of("quit"))) {
                    quit = true;
                    break;
                } else {
                    reply.append(commands.run(words, who));
                }
            }
            if (interactive && !quit) {
                reply.append("> ");
            }
            out.write(reply.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (!interactive || quit) {
                return;
            }
        }
    }

    /** A line of at most {@value #MAX_LINE} characters, null at the end of input. */
    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.length() > 0 ? line.toString() : null;
    }

    private static void reply(UnixSocketChannel client, String text) {
        try {
            client.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException gone) {
            // Nobody to tell.
        }
    }

    private static void closeQuietly(UnixSocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // Closing is all that was left to do.
        }
    }

    /** Where the socket listens. */
    public Path path() {
        return path;
    }

    /** Stops accepting, lets the commands running finish briefly, and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing is all that was left to do.
        }
        acceptor.interrupt();
        workers.shutdown();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "runtime API: could not remove " + path + ": " + e.getMessage());
        }
    }
}
