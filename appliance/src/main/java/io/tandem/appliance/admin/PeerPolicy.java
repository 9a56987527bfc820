package io.tandem.appliance.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who may use the runtime API, decided from the client's credentials as the kernel gives them (SO_PEERCRED):
 * root, the daemon's own user, and members of the socket's group (its primary group, or a supplementary one as
 * {@code /proc/PID/status} lists them). The socket's mode (0660) already keeps others out at connect; this check
 * also covers the moment between bind and chmod, and a socket whose mode someone loosened.
 */
record PeerPolicy(int daemonUid, int socketGid, String groupName) {

    /** Why {@code uid}/{@code gid} (of process {@code pid}) may not connect, or null when it may. */
    String refusal(int pid, int uid, int gid) {
        if (uid == 0 || uid == daemonUid || gid == socketGid || inGroup(pid, socketGid)) {
            return null;
        }
        return "permission denied: uid " + uid + " is neither root, the daemon's user (uid " + daemonUid
                + ") nor in group " + groupName + " (gid " + socketGid + ")";
    }

    /** True when process {@code pid} has {@code gid} among its supplementary groups. */
    static boolean inGroup(int pid, int gid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("Groups:")) {
                    for (String group : line.substring("Groups:".length()).trim().split("\\s+")) {
                        if (group.equals(String.valueOf(gid))) {
                            return true;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException gone) {
            // The client exited, or this is not Linux: no supplementary group is known.
        }
        return false;
    }
}
