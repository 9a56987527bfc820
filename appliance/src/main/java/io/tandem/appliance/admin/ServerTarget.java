package io.tandem.appliance.admin;

import io.tandem.core.balance.Server;
import io.tandem.core.balance.ServerPool;
import io.tandem.core.config.Suggestions;
import io.tandem.core.state.Tier;
import io.tandem.l4.ServiceRuntime;
import io.tandem.l7.proxy.BackendRuntime;

import java.util.ArrayList;
import java.util.List;

/**
 * A server named {@code BACKEND/SERVER} on the command line: in an L7 backend or an L4 service (an L7 backend
 * first; {@code l4:NAME/SERVER} or {@code l7:NAME/SERVER} when both tiers have a section of that name). Unknown
 * names fail with the closest valid one.
 *
 * @param server null when only the section is resolved ({@link #section})
 */
record ServerTarget(Tier tier, String section, ServerPool pool, Server server) {

    /** The backend or service and the server {@code name} ({@code SECTION/SERVER}) names. */
    static ServerTarget server(RuntimeView view, String name) throws CommandException {
        int slash = name.indexOf('/');
        if (slash <= 0 || slash == name.length() - 1) {
            throw new CommandException(CommandException.Kind.USAGE, "expected BACKEND/SERVER, got '" + name + "'");
        }
        ServerTarget section = section(view, name.substring(0, slash));
        String serverName = name.substring(slash + 1);
        List<String> names = new ArrayList<>();
        for (Server server : section.pool().servers()) {
            if (server.name().equals(serverName)) {
                return new ServerTarget(section.tier(), section.section(), section.pool(), server);
            }
            names.add(server.name());
        }
        String closest = Suggestions.closest(serverName, names);
        throw new CommandException(CommandException.Kind.NOT_FOUND, "no server '" + serverName + "' in "
                + section.what() + Suggestions.didYouMean(serverName, names),
                closest == null ? null : section.section() + "/" + closest);
    }

    /** The backend or service {@code name} (optionally {@code l7:} or {@code l4:} first), without a server. */
    static ServerTarget section(RuntimeView view, String name) throws CommandException {
        Tier only = null;
        String bare = name;
        if (name.startsWith("l7:") || name.startsWith("l4:")) {
            only = name.startsWith("l7:") ? Tier.L7 : Tier.L4;
            bare = name.substring(3);
        }
        BackendRuntime backend = only == Tier.L4 ? null : view.l7().backends().get(bare);
        ServiceRuntime service = only == Tier.L7 ? null : view.l4().service(bare);
        if (backend != null && service != null) {
            throw new CommandException(CommandException.Kind.USAGE, "both an L7 backend and an L4 service are named '"
                    + bare + "': write l7:" + bare + " or l4:" + bare);
        }
        if (backend != null) {
            return new ServerTarget(Tier.L7, bare, backend.pool(), null);
        }
        if (service != null) {
            return new ServerTarget(Tier.L4, bare, service.pool(), null);
        }
        List<String> names = new ArrayList<>();
        if (only != Tier.L4) {
            names.addAll(view.l7().backends().keySet());
        }
        if (only != Tier.L7) {
            names.addAll(view.l4().services().keySet());
        }
        names.sort(null);
        throw new CommandException(CommandException.Kind.NOT_FOUND, "no backend or L4 service '" + bare + "'"
                + Suggestions.didYouMean(bare, names), Suggestions.closest(bare, names));
    }

    /** {@code backend 'app'} or {@code L4 service 'web'}, for messages. */
    String what() {
        return (tier == Tier.L7 ? "backend '" : "L4 service '") + section + "'";
    }

    /** {@code SECTION/SERVER}. */
    String qualifiedName() {
        return section + "/" + server.name();
    }
}
