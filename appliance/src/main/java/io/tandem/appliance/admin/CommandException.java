package io.tandem.appliance.admin;

/**
 * A command the runtime API cannot carry out, with the kind of failure (which {@code tandem ctl} turns into its
 * exit code) and, for a misspelt name, the closest valid one.
 */
final class CommandException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a command failed. Each has a word that starts the error line: {@code error [not-found]: ...}. */
    enum Kind {
        /** Unknown command, wrong arguments. */
        USAGE("usage"),
        /** No such backend, service, server or table. */
        NOT_FOUND("not-found"),
        /** Understood, but not possible now (e.g. deleting a server that still serves). */
        REFUSED("refused"),
        /** Done on this node, but a peer did not apply the shared change (or did not answer). */
        PEER("peer");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    private final Kind kind;
    private final String suggestion;

    CommandException(Kind kind, String message) {
        this(kind, message, null);
    }

    CommandException(Kind kind, String message, String suggestion) {
        super(message);
        this.kind = kind;
        this.suggestion = suggestion;
    }

    Kind kind() {
        return kind;
    }

    /** The closest valid name, or null. */
    String suggestion() {
        return suggestion;
    }
}
