package io.tandem.core.config;

import io.tandem.core.config.VrrpInstanceConfig.Garp;
import io.tandem.core.config.VrrpInstanceConfig.Track;
import io.tandem.core.config.VrrpInstanceConfig.TrackItem;
import io.tandem.core.config.VrrpInstanceConfig.TrackScript;
import io.tandem.core.config.VrrpInstanceConfig.Unicast;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code vrrp} block (instances, sync groups) and checks what spans instances: one VRID per interface
 * and address family, sync-group members, tracked services.
 */
final class VrrpLoader {
    static final List<String> VRRP_KEYS = List.of("instances", "sync-groups");
    static final List<String> INSTANCE_KEYS = List.of("interface", "vrid", "priority", "version", "advert-interval",
            "preempt", "preempt-delay", "virtual-addresses", "unicast", "track", "notify", "auth-pass", "garp",
            "garp-refresh");
    static final List<String> UNICAST_KEYS = List.of("source", "peers");
    static final List<String> TRACK_KEYS = List.of("interfaces", "services", "scripts");
    static final List<String> SCRIPT_KEYS = List.of("script", "interval", "timeout", "weight", "fall", "rise");
    static final List<String> GARP_KEYS = List.of("repeat", "interval");

    /** keepalived's default priority. */
    private static final int DEFAULT_PRIORITY = 100;
    private static final int DEFAULT_VERSION = 3;
    private static final Duration DEFAULT_ADVERT_INTERVAL = Duration.ofSeconds(1);
    private static final Duration CENTISECOND = Duration.ofMillis(10);
    /** The 12-bit Max Adver Int of RFC 5798, in centiseconds. */
    private static final int MAX_V3_CENTIS = 4095;
    /** The 8-bit Adver Int of RFC 3768, in seconds. */
    private static final int MAX_V2_SECONDS = 255;
    private static final int MAX_AUTH_PASS_BYTES = 8;
    private static final int MAX_WEIGHT = 254;
    private static final Duration DEFAULT_SCRIPT_INTERVAL = Duration.ofSeconds(1);
    /** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/' and no white space. */
    private static final Pattern INTERFACE = Pattern.compile("[^/\\s]{1,15}");
    private static final Pattern TRACK_ITEM = Pattern.compile("(\\S+)(?:\\s+weight\\s+(-?\\d{1,4}))?");

    private final NodeReader reader;
    private final CommonBlocks common;

    VrrpLoader(NodeReader reader, CommonBlocks common) {
        this.reader = reader;
        this.common = common;
    }

    /** The instances and sync groups of {@code vrrp}; tracked services must be L7 frontends or L4 services. */
    VrrpConfig load(Block vrrp, L7Config l7, L4Config l4) {
        Set<String> services = new LinkedHashSet<>(l4.services().keySet());
        services.addAll(l7.frontends().keySet());
        Map<String, VrrpInstanceConfig> instances = new LinkedHashMap<>();
        Set<String> instanceNames = new LinkedHashSet<>();
        Map<String, SourcePos> vridPositions = new LinkedHashMap<>();
        Block names = vrrp.names("instances");
        if (names != null) {
            for (Block.Entry entry : names.entries()) {
                instanceNames.add(entry.key());
                String what = "instance '" + entry.key() + "'";
                Block i = reader.block(entry.value(), what, "in " + what, INSTANCE_KEYS, entry.keyPos());
                VrrpInstanceConfig instance = i == null ? null : instance(entry.key(), i, services);
                if (common.checkName(entry.key(), entry.keyPos(), "instance") && instance != null) {
                    instances.put(entry.key(), instance);
                    vridPositions.put(entry.key(), reader.pos(i.value("vrid")));
                }
            }
        }
        checkVridsUnique(instances.values(), vridPositions);
        Map<String, SyncGroupConfig> groups = syncGroups(vrrp, instanceNames);
        if (instances.isEmpty() && groups.isEmpty()) {
            return VrrpConfig.EMPTY;
        }
        return new VrrpConfig(Collections.unmodifiableMap(instances), Collections.unmodifiableMap(groups));
    }

    /** The instance, or null when a key it cannot work without is missing or bad. */
    private VrrpInstanceConfig instance(String name, Block i, Set<String> services) {
        String what = "instance '" + name + "'";
        boolean usable = true;
        for (String required : List.of("interface", "vrid", "virtual-addresses")) {
            if (!i.has(required)) {
                reader.error(i.pos(), what + " needs '" + required + "'");
                usable = false;
            }
        }
        String interfaceName = i.string("interface");
        if (interfaceName != null && !INTERFACE.matcher(interfaceName).matches()) {
            reader.error(i.value("interface"), "bad interface name '" + interfaceName
                    + "' (at most 15 characters, no '/' or spaces)");
            interfaceName = null;
        }
        int vrid = i.integer("vrid", 1, 255, 0);
        usable &= interfaceName != null && vrid != 0;
        int priority = i.integer("priority", 1, 255, DEFAULT_PRIORITY);
        int version = version(i);
        Duration advertInterval = advertInterval(i, version);
        boolean preempt = i.bool("preempt", true);
        Duration preemptDelay = i.duration("preempt-delay", Duration.ZERO);
        List<VirtualAddress> addresses = virtualAddresses(i, version);
        usable &= !addresses.isEmpty();
        boolean ipv4 = addresses.isEmpty() || addresses.get(0).isIpv4();
        Unicast unicast = unicast(i, ipv4);
        Track track = track(i, services);
        String notify = i.string("notify");
        String authPass = authPass(i, version);
        Garp garp = garp(i);
        Duration garpRefresh = i.duration("garp-refresh", null);
        if (garpRefresh != null && garpRefresh.isZero()) {
            garpRefresh = null;
        }
        if (!usable) {
            return null;
        }
        return new VrrpInstanceConfig(name, interfaceName, vrid, priority, version, advertInterval, preempt,
                preemptDelay, addresses, unicast, track, notify, authPass, garp, garpRefresh, i.pos());
    }

    private int version(Block i) {
        Node value = i.value("version");
        if (value == null) {
            return DEFAULT_VERSION;
        }
        String text = reader.text(value, "'version'", "2 or 3");
        if (text == null) {
            return DEFAULT_VERSION;
        }
        if (!text.equals("2") && !text.equals("3")) {
            reader.error(value, "'version' must be 2 (RFC 3768) or 3 (RFC 5798), got " + text);
            return DEFAULT_VERSION;
        }
        return Integer.parseInt(text);
    }

    /** v3: centiseconds in 10ms..40.95s (RFC 5798's 12-bit field); v2: whole seconds in 1s..255s. */
    private Duration advertInterval(Block i, int version) {
        Duration interval = i.duration("advert-interval", null);
        if (interval == null) {
            return DEFAULT_ADVERT_INTERVAL;
        }
        Node value = i.value("advert-interval");
        if (version == 2) {
            if (interval.toNanosPart() != 0 || interval.getSeconds() < 1 || interval.getSeconds() > MAX_V2_SECONDS) {
                reader.error(value, "VRRPv2 'advert-interval' must be whole seconds in 1s..255s, got "
                        + reader.text(value, "'advert-interval'"));
                return DEFAULT_ADVERT_INTERVAL;
            }
            return interval;
        }
        long millis = interval.toMillis();
        if (interval.compareTo(CENTISECOND) < 0 || millis % 10 != 0 || millis / 10 > MAX_V3_CENTIS) {
            reader.error(value, "VRRPv3 'advert-interval' must be a multiple of 10ms in 10ms..40950ms, got "
                    + reader.text(value, "'advert-interval'"));
            return DEFAULT_ADVERT_INTERVAL;
        }
        return interval;
    }

    /** One family per instance (RFC 5798 keeps IPv4 and IPv6 virtual routers apart); v2 is IPv4 only. */
    private List<VirtualAddress> virtualAddresses(Block i, int version) {
        List<VirtualAddress> addresses = new ArrayList<>();
        Set<InetAddress> seen = new LinkedHashSet<>();
        List<Located<String>> texts = i.locatedOneOrMore("virtual-addresses");
        for (Located<String> text : texts) {
            VirtualAddress address;
            try {
                address = VirtualAddress.parse(text.value());
            } catch (IllegalArgumentException e) {
                reader.error(text.pos(), e.getMessage());
                continue;
            }
            if (!addresses.isEmpty() && address.isIpv4() != addresses.get(0).isIpv4()) {
                reader.error(text.pos(), "virtual address " + address + " is " + family(address.isIpv4())
                        + " but " + addresses.get(0) + " is " + family(addresses.get(0).isIpv4())
                        + " (one address family per instance)");
                continue;
            }
            if (!address.isIpv4() && version == 2) {
                reader.error(text.pos(), "VRRPv2 is IPv4 only (RFC 3768); use version: 3 for " + address);
                continue;
            }
            if (!seen.add(address.address())) {
                reader.error(text.pos(), "duplicate virtual address " + HostPort.text(address.address()));
                continue;
            }
            addresses.add(address);
        }
        if (i.has("virtual-addresses") && texts.isEmpty()) {
            reader.error(i.keyPos("virtual-addresses"), "'virtual-addresses' is empty");
        }
        return List.copyOf(addresses);
    }

    private Unicast unicast(Block i, boolean ipv4) {
        Block u = i.block("unicast", UNICAST_KEYS);
        if (u == null) {
            return null;
        }
        InetAddress source = null;
        Located<String> sourceText = u.located("source");
        if (sourceText != null) {
            source = address(sourceText, "unicast source", ipv4);
        }
        List<InetAddress> peers = new ArrayList<>();
        for (Located<String> peer : u.locatedOneOrMore("peers")) {
            InetAddress address = address(peer, "unicast peer", ipv4);
            if (address != null) {
                peers.add(address);
            }
        }
        if (!u.has("peers")) {
            reader.error(u.pos(), "unicast needs 'peers'");
        }
        return new Unicast(source, List.copyOf(peers));
    }

    private InetAddress address(Located<String> text, String what, boolean ipv4) {
        InetAddress address = ConfigValues.parseIpLiteral(text.value());
        if (address == null) {
            reader.error(text.pos(), "bad " + what + " '" + text.value() + "' (an IP address)");
            return null;
        }
        if ((address instanceof Inet4Address) != ipv4) {
            reader.error(text.pos(), what + " " + text.value() + " is " + family(!ipv4)
                    + " but the virtual addresses are " + family(ipv4));
            return null;
        }
        return address;
    }

    private Track track(Block i, Set<String> services) {
        Block t = i.block("track", TRACK_KEYS);
        if (t == null) {
            return Track.NONE;
        }
        List<TrackItem> interfaces = trackItems(t, "interfaces");
        for (TrackItem item : interfaces) {
            if (!INTERFACE.matcher(item.name()).matches()) {
                reader.error(item.pos(), "bad interface name '" + item.name() + "'");
            }
        }
        List<TrackItem> tracked = trackItems(t, "services");
        for (TrackItem item : tracked) {
            if (!services.contains(item.name())) {
                reader.error(item.pos(), "unknown service '" + item.name() + "' in track.services"
                        + (services.isEmpty() ? " (no L4 services or L7 frontends are defined)"
                        : Suggestions.hint(item.name(), services, "L4 services and L7 frontends")));
            }
        }
        return new Track(interfaces, tracked, scripts(t));
    }

    /** {@code NAME} or {@code NAME weight N}. */
    private List<TrackItem> trackItems(Block t, String key) {
        List<TrackItem> items = new ArrayList<>();
        for (Located<String> text : t.locatedOneOrMore(key)) {
            Matcher m = TRACK_ITEM.matcher(text.value().trim());
            if (!m.matches()) {
                reader.error(text.pos(), "bad track entry '" + text.value() + "' (use NAME or NAME weight N)");
                continue;
            }
            int weight = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
            if (Math.abs(weight) > MAX_WEIGHT) {
                reader.error(text.pos(), "track weight must be in -254..254, got " + weight);
                continue;
            }
            items.add(new TrackItem(m.group(1), weight, text.pos()));
        }
        return List.copyOf(items);
    }

    /** Each script is a command, or {@code { script, interval, timeout, weight, fall, rise }}. */
    private List<TrackScript> scripts(Block t) {
        Node value = t.value("scripts");
        if (value == null) {
            return List.of();
        }
        List<Node> items = reader.sequence(value, "'scripts'");
        if (items == null) {
            return List.of();
        }
        List<TrackScript> scripts = new ArrayList<>();
        for (Node item : items) {
            if (item instanceof ScalarNode) {
                Located<String> command = reader.located(item, "'scripts'");
                if (command != null) {
                    scripts.add(new TrackScript(command.value(), DEFAULT_SCRIPT_INTERVAL, DEFAULT_SCRIPT_INTERVAL, 0,
                            1, 1, command.pos()));
                }
                continue;
            }
            if (!(item instanceof MappingNode)) {
                reader.error(item, "expected a command or a mapping in 'scripts', got " + NodeReader.describe(item));
                continue;
            }
            SourcePos pos = reader.pos(item);
            Block s = reader.block(item, "a script", "in a script", SCRIPT_KEYS, pos);
            Located<String> command = s.located("script");
            if (!s.has("script")) {
                reader.error(pos, "a tracked script needs 'script'");
            }
            Duration interval = s.positiveDuration("interval", DEFAULT_SCRIPT_INTERVAL);
            Duration timeout = s.duration("timeout", interval);
            int weight = s.integer("weight", -MAX_WEIGHT, MAX_WEIGHT, 0);
            int fall = s.integer("fall", 1, CommonBlocks.MAX_FALL_RISE, 1);
            int rise = s.integer("rise", 1, CommonBlocks.MAX_FALL_RISE, 1);
            if (command != null) {
                scripts.add(new TrackScript(command.value(), interval, timeout, weight, fall, rise, pos));
            }
        }
        return List.copyOf(scripts);
    }

    /** VRRPv2 simple-text authentication (RFC 3768 auth type 1): up to 8 bytes, v2 only. */
    private String authPass(Block i, int version) {
        String pass = i.string("auth-pass");
        if (pass == null) {
            return null;
        }
        if (version != 2) {
            reader.error(i.keyPos("auth-pass"), "'auth-pass' applies to VRRPv2 only (RFC 5798 has no"
                    + " authentication); add version: 2");
            return null;
        }
        if (pass.getBytes(StandardCharsets.UTF_8).length > MAX_AUTH_PASS_BYTES) {
            reader.error(i.value("auth-pass"), "'auth-pass' is at most 8 characters (VRRPv2 simple-text"
                    + " authentication)");
            return null;
        }
        return pass;
    }

    private Garp garp(Block i) {
        Block g = i.block("garp", GARP_KEYS);
        if (g == null) {
            return Garp.DEFAULT;
        }
        return new Garp(g.integer("repeat", 1, 255, Garp.DEFAULT.repeat()),
                g.duration("interval", Garp.DEFAULT.interval()));
    }

    /** RFC 5798: a VRID names one virtual router per interface and address family. */
    private void checkVridsUnique(Iterable<VrrpInstanceConfig> instances, Map<String, SourcePos> vridPositions) {
        record Key(String interfaceName, int vrid, boolean ipv4) {
        }
        Map<Key, VrrpInstanceConfig> taken = new LinkedHashMap<>();
        for (VrrpInstanceConfig instance : instances) {
            Key key = new Key(instance.interfaceName(), instance.vrid(), instance.isIpv4());
            VrrpInstanceConfig first = taken.putIfAbsent(key, instance);
            if (first != null) {
                reader.error(vridPositions.get(instance.name()), "vrid " + instance.vrid() + " is already used on "
                        + instance.interfaceName() + " by instance " + first.name() + " at "
                        + vridPositions.get(first.name()).line() + ":" + vridPositions.get(first.name()).column());
            }
        }
    }

    /** {@code sync-groups: { NAME: [INSTANCE, ...] }}; an instance belongs to one group at most. */
    private Map<String, SyncGroupConfig> syncGroups(Block vrrp, Set<String> instanceNames) {
        Block names = vrrp.names("sync-groups");
        if (names == null) {
            return Map.of();
        }
        Map<String, SyncGroupConfig> groups = new LinkedHashMap<>();
        Map<String, String> groupOf = new LinkedHashMap<>();
        for (Block.Entry entry : names.entries()) {
            List<String> members = new ArrayList<>();
            for (Located<String> member : names.locatedList(entry.key())) {
                if (!instanceNames.contains(member.value())) {
                    reader.error(member.pos(), "unknown instance '" + member.value() + "' in sync group '"
                            + entry.key() + "'" + Suggestions.hint(member.value(), instanceNames, "instances"));
                    continue;
                }
                String other = groupOf.putIfAbsent(member.value(), entry.key());
                if (other != null) {
                    reader.error(member.pos(), "instance '" + member.value() + "' is already in sync group '"
                            + other + "'");
                    continue;
                }
                members.add(member.value());
            }
            if (common.checkName(entry.key(), entry.keyPos(), "sync group")) {
                groups.put(entry.key(), new SyncGroupConfig(entry.key(), List.copyOf(members), entry.keyPos()));
            }
        }
        return groups;
    }

    private static String family(boolean ipv4) {
        return ipv4 ? "IPv4" : "IPv6";
    }
}
