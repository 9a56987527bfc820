package io.tandem.core.config;

import java.util.List;

/** Reads the {@code admin} block: {@code socket} (the runtime API) and {@code stats} (metrics and the stats page). */
final class AdminLoader {
    static final List<String> ADMIN_KEYS = List.of("socket", "stats");
    private static final List<String> STATS_KEYS = List.of("bind", "metrics", "page", "auth");
    private static final List<String> AUTH_KEYS = List.of("user", "password");
    /** A unix socket path must fit {@code sun_path}: 108 bytes with the terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    private final NodeReader reader;

    AdminLoader(NodeReader reader) {
        this.reader = reader;
    }

    AdminConfig load(Block admin) {
        String socket = socket(admin);
        Block stats = admin.block("stats", STATS_KEYS);
        if (stats == null && socket.equals(AdminConfig.DEFAULT_SOCKET)) {
            return AdminConfig.NONE;
        }
        return new AdminConfig(socket, stats == null ? null : stats(stats));
    }

    /** The runtime API's socket path: absolute, short enough for a unix socket; the default when absent or bad. */
    private String socket(Block admin) {
        String socket = admin.string("socket");
        if (socket == null) {
            return AdminConfig.DEFAULT_SOCKET;
        }
        if (!socket.startsWith("/") || socket.endsWith("/")) {
            reader.error(admin.value("socket"), "admin socket '" + socket + "' must be an absolute path to a file, "
                    + "e.g. " + AdminConfig.DEFAULT_SOCKET);
            return AdminConfig.DEFAULT_SOCKET;
        }
        if (socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            reader.error(admin.value("socket"), "admin socket path is longer than a unix socket allows ("
                    + MAX_SOCKET_PATH_BYTES + " bytes)");
            return AdminConfig.DEFAULT_SOCKET;
        }
        return socket;
    }

    private StatsConfig stats(Block s) {
        BindConfig bind = bind(s);
        String metrics = path(s, "metrics", StatsConfig.DEFAULT_METRICS);
        String page = path(s, "page", StatsConfig.DEFAULT_PAGE);
        if (metrics.equals(page)) {
            reader.error(s.value("page") != null ? s.value("page") : s.value("metrics"),
                    "'metrics' and 'page' are both " + page + "; give them different paths");
        }
        StatsConfig.Auth auth = null;
        Block a = s.block("auth", AUTH_KEYS);
        if (a != null) {
            String user = a.string("user");
            String password = a.string("password");
            if (!a.has("user") || !a.has("password")) {
                reader.error(a.pos(), "'auth' needs both 'user' and 'password' (password: file:/path or ${ENV})");
            } else if (user != null && user.contains(":")) {
                reader.error(a.value("user"), "'user' cannot contain ':' (HTTP basic authentication splits on it)");
            } else if (user != null && password != null) {
                auth = new StatsConfig.Auth(user, password);
            }
        }
        return new StatsConfig(bind, metrics, page, auth);
    }

    private BindConfig bind(Block s) {
        if (!s.has("bind")) {
            return new BindConfig(HostPort.parse(StatsConfig.DEFAULT_BIND), false, s.pos());
        }
        Located<String> line = s.located("bind");
        if (line == null) {
            return null;
        }
        if (line.value().trim().contains(" ")) {
            reader.error(line.pos(), "admin.stats 'bind' is one host:port without options, got '" + line.value()
                    + "'");
            return null;
        }
        try {
            return new BindConfig(HostPort.parse(line.value().trim()), false, line.pos());
        } catch (IllegalArgumentException e) {
            reader.error(line.pos(), e.getMessage());
            return null;
        }
    }

    /** An absolute path without query or fragment, {@code fallback} when absent or bad. */
    private String path(Block s, String key, String fallback) {
        String path = s.string(key);
        if (path == null) {
            return fallback;
        }
        if (!path.startsWith("/") || path.contains("?") || path.contains("#") || path.contains(";")
                || path.chars().anyMatch(c -> c <= ' ')) {
            reader.error(s.value(key), "'" + key + "' must be a path such as " + fallback
                    + " (starting with /, without spaces, ?, # or ;), got '" + path + "'");
            return fallback;
        }
        return path;
    }
}
