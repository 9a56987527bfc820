package io.tandem.cluster;

/**
 * An admin change of one server made through the runtime API, as the pair shares it ({@code share: server-states}):
 * the server as the runtime API names it ({@code l7:app/app-01}, {@code l4:web/l7-a}), what changed and the new
 * value ({@code ready}, {@code drain}, {@code maint}; or the weight, absolute).
 */
public record ServerChange(String server, Setting setting, String value) {

    /** What an admin change sets. Each has its own version, so a weight and a state set at once both hold. */
    public enum Setting { STATE, WEIGHT }
}
