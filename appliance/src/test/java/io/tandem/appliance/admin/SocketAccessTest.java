package io.tandem.appliance.admin;

import io.tandem.appliance.TandemCli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The socket refuses a user outside its group: {@code tandem ctl} run as nobody (uid 65534, no groups) is turned
 * away by the socket's mode, and, with the mode opened up, by the daemon's peer-credential check. Needs root to
 * switch users; with CI=true it fails without it.
 */
class SocketAccessTest {
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;
    /** Apart from {@code dir}, whose mode the test changes: nobody must read the class path throughout. */
    @TempDir
    Path classes;

    @Test
    void userOutsideTheGroupIsRefusedByTheModeAndByThePeerCheck() throws Exception {
        boolean root = "0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
        if (!root) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the test does not run as root, so it cannot run tandem ctl as another user");
            }
            Assumptions.abort("needs root to run tandem ctl as nobody (setpriv)");
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(classes, PosixFilePermissions.fromString("rwxr-xr-x"));
        String classPath = readableClassPath(classes.resolve("cp"));
        try (RunningDaemon daemon = new RunningDaemon(dir)) {
            Result byMode = ctlAsNobody(classPath, daemon.socket);
            assertEquals(4, byMode.exitCode(), byMode.output());
            assertTrue(byMode.output().contains("permission denied on " + daemon.socket), byMode.output());

            Files.setPosixFilePermissions(daemon.socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Result byPeerCheck = ctlAsNobody(classPath, daemon.socket);
            assertEquals(4, byPeerCheck.exitCode(), byPeerCheck.output());
            assertTrue(byPeerCheck.output().contains("error [denied]: permission denied: uid " + NOBODY
                    + " is neither root"), byPeerCheck.output());
            assertTrue(daemon.api("show info").startsWith("Name: Tandem"), "root still gets in");

            // As /run/tandem (0750) is to others: the socket cannot even be seen, and that is no "not running".
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
            Result byDirectory = ctlAsNobody(classPath, daemon.socket);
            assertEquals(4, byDirectory.exitCode(), byDirectory.output());
            assertTrue(byDirectory.output().contains("permission denied on " + dir), byDirectory.output());
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result ctlAsNobody(String classPath, Path socket) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                java.toString(), "-XX:+UseSerialGC", "-Xmx64m", "-Xshare:auto", "-cp", classPath,
                TandemCli.class.getName(), "ctl", "-s", socket.toString(), "show", "info")
                .redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("tandem ctl as nobody did not finish");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes()));
    }

    /**
     * This JVM's class path copied where nobody can read it (the build's own copies may sit under a private home),
     * as a class path string. Surefire's manifest-only jar is expanded to the entries it names.
     */
    private static String readableClassPath(Path target) throws IOException {
        List<Path> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (path.getFileName().toString().startsWith("surefirebooter")) {
                try (JarFile jar = new JarFile(path.toFile())) {
                    for (String url : jar.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
                        entries.add(Path.of(java.net.URI.create(url)));
                    }
                }
            } else {
                entries.add(path);
            }
        }
        List<String> copied = new ArrayList<>();
        int n = 0;
        for (Path entry : entries) {
            if (!Files.exists(entry)) {
                continue;
            }
            Path copy = target.resolve(n++ + "-" + entry.getFileName());
            copyTree(entry, copy);
            copied.add(copy.toString());
        }
        try (Stream<Path> all = Files.walk(target)) {
            for (Path path : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path)
                        ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(java.io.File.pathSeparator, copied);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path path : (Iterable<Path>) all::iterator) {
                Path destination = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.createDirectories(destination.getParent());
                    Files.copy(path, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
