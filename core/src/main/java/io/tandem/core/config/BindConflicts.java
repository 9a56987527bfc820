package io.tandem.core.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checks that every listener can bind: l7 frontend binds, l4 service listens and the stats endpoint on one address
 * and port conflict when they share a transport (frontends, TCP services and stats are TCP; UDP services only meet
 * each other),
 * and a wildcard takes the port on every address. Each conflict is reported at the listener that comes later
 * in the file.
 */
final class BindConflicts {
    /** One listener: {@code keyword} ({@code bind} or {@code listen}) and {@code owner} name it in messages. */
    private record Listener(String keyword, String owner, BindConfig bind, ServiceConfig.Protocol protocol) {
    }

    private static final Comparator<Listener> BY_POSITION = Comparator
            .comparingInt((Listener l) -> l.bind().pos().line()).thenComparingInt(l -> l.bind().pos().column());

    private BindConflicts() {
    }

    /** {@code stats} (the metrics and stats-page endpoint, a TCP listener too) may be null. */
    static void check(NodeReader reader, L7Config l7, L4Config l4, StatsConfig stats) {
        List<Listener> listeners = new ArrayList<>();
        if (stats != null && stats.bind() != null) {
            listeners.add(new Listener("bind", "admin.stats", stats.bind(), ServiceConfig.Protocol.TCP));
        }
        for (FrontendConfig frontend : l7.frontends().values()) {
            for (BindConfig bind : frontend.binds()) {
                listeners.add(new Listener("bind", "frontend " + frontend.name(), bind, ServiceConfig.Protocol.TCP));
            }
        }
        for (ServiceConfig service : l4.services().values()) {
            listeners.add(new Listener("listen", "service " + service.name(), service.listen(), service.protocol()));
        }
        listeners.sort(BY_POSITION);
        for (int i = 0; i < listeners.size(); i++) {
            Listener later = listeners.get(i);
            for (Listener earlier : listeners.subList(0, i)) {
                if (later.protocol() == earlier.protocol() && conflict(reader, later, earlier)) {
                    break;
                }
            }
        }
    }

    /** Reports and returns true when {@code later} cannot bind next to {@code earlier}. */
    private static boolean conflict(NodeReader reader, Listener later, Listener earlier) {
        HostPort a = later.bind().address();
        HostPort b = earlier.bind().address();
        if (a.port() != b.port()) {
            return false;
        }
        String where = earlier.owner() + " at " + earlier.bind().pos().lineColumn();
        if (sameHost(a.host(), b.host())) {
            reader.error(later.bind().pos(), later.keyword() + " " + a + " already used by " + where);
            return true;
        }
        if (isWildcard(a) || isWildcard(b)) {
            reader.error(later.bind().pos(), later.keyword() + " " + a + " overlaps " + earlier.keyword() + " " + b
                    + " of " + where);
            return true;
        }
        return false;
    }

    private static boolean sameHost(String a, String b) {
        InetAddress ipA = ConfigValues.parseIpLiteral(a);
        InetAddress ipB = ConfigValues.parseIpLiteral(b);
        if (ipA != null && ipB != null) {
            return ipA.equals(ipB);
        }
        return a.equalsIgnoreCase(b);
    }

    private static boolean isWildcard(HostPort address) {
        InetAddress ip = ConfigValues.parseIpLiteral(address.host());
        return address.isWildcard() || (ip != null && ip.isAnyLocalAddress());
    }
}
