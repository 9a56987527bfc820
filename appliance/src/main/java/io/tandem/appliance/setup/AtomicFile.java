package io.tandem.appliance.setup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Set;

/**
 * Replaces a file so that a crash or Ctrl-C leaves either the old or the new content, never a mix: the new content
 * goes to a temporary file in the same directory (so the rename stays on one file system), is flushed to disk, and
 * is renamed over the old file; then the directory is flushed so the rename itself survives a power cut. The old
 * content can be kept as {@code FILE.bak}. The wizard writes its files so, and a node the config its peer sent.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /**
     * Writes {@code text} to {@code file} with {@code mode} (like {@code rw-r--r--}), owned by {@code owner} when
     * that user exists (else by whoever runs the wizard), the old content kept as {@code FILE.bak} when
     * {@code keepBackup}. Returns the backup's path, or null when none was made.
     */
    public static Path write(Path file, String text, String mode, String owner, boolean keepBackup)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Set<PosixFilePermission> permissions = PosixFilePermissions.fromString(mode);
        FileAttribute<Set<PosixFilePermission>> attribute = PosixFilePermissions.asFileAttribute(permissions);
        Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", attribute);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            // The umask does not apply to setPosixFilePermissions, so the mode is exactly the one asked for.
            Files.setPosixFilePermissions(temp, permissions);
            chown(temp, owner);
            Path backup = null;
            if (keepBackup && Files.exists(file)) {
                backup = file.resolveSibling(file.getFileName() + ".bak");
                Files.copy(file, backup, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
            return backup;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void chown(Path file, String owner) throws IOException {
        if (owner == null) {
            return;
        }
        UserPrincipal user;
        try {
            user = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(owner);
        } catch (UserPrincipalNotFoundException absent) {
            return;
        }
        Files.setOwner(file, user);
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // Some file systems cannot flush a directory; the rename is still atomic there, only less durable.
        }
    }
}
