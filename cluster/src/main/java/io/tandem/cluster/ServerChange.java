package io.tandem.cluster;

/**
 * An admin change of one server made through the runtime API, as the pair shares it ({@code share: server-states}):
 * the server as the runtime API names it ({@code l7:app/app-01}, {@code l4:web/l7-a}), what changed and the new
 * value ({@code ready}, {@code drain}, {@code maint}; the weight, absolute; or for {@link Setting#SERVER} the
 * server's {@code add server} arguments, {@code 10.0.0.5:8080 weight 2 backup}, or {@link #REMOVED}).
 */
public record ServerChange(String server, Setting setting, String value) {

    /** The {@link Setting#SERVER} value of a server that {@code del server} removed. */
    public static final String REMOVED = "removed";

    /**
     * What an admin change sets. Each has its own version, so a weight and a state set at once both hold;
     * {@code SERVER} is the server itself ({@code add server}, {@code del server}).
     */
    public enum Setting { STATE, WEIGHT, SERVER }
}
