package io.tandem.appliance.stats;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.tandem.core.config.HostPort;
import io.tandem.core.config.SameSettings;
import io.tandem.core.config.StatsConfig;
import io.tandem.core.net.EventLoops;
import io.tandem.core.state.ListenerSwap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@code admin.stats} endpoint: a small HTTP/1.1 server on the shared event loops (no group of its own) that
 * answers the metrics, the stats page and the page's JSON (see {@link StatsHandler}). Requests are tiny and
 * answered from memory on the loop, so it never blocks the proxy's loops for more than one render. A reload
 * changes it in place ({@link #prepare}): new paths and credentials apply from the next request, a new address is
 * opened before the old one closes, and a config without {@code admin.stats} leaves it not listening.
 */
public final class StatsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StatsServer.class.getName());
    /** Request heads and bodies a stats client has any business sending fit in this. */
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** An idle scraper's or browser's connection is closed after this. */
    private static final int IDLE_SECONDS = 60;

    private final EventLoops loops;
    private final Supplier<LiveView> view;
    private final StatsPage page;
    /** What handlers read at each request; null while there is no {@code admin.stats}. */
    private volatile StatsHandler.Settings settings;
    /** Changed by reloads only, one at a time (the reloader's lock); read by {@link #localAddress}. */
    private volatile Channel listener;
    private volatile StatsConfig config;

    private StatsServer(EventLoops loops, Supplier<LiveView> view, StatsPage page) {
        this.loops = loops;
        this.view = view;
        this.page = page;
    }

    /** Listens on {@code config.bind()}, or not at all when {@code config} is null; {@code view} is read on every request. */
    public static StatsServer start(EventLoops loops, StatsConfig config, Supplier<LiveView> view)
            throws IOException {
        StatsServer server = new StatsServer(loops, view, StatsPage.load());
        if (config != null) {
            server.listener = server.bind(config);
            server.settings = StatsHandler.Settings.of(config);
            server.config = config;
            LOG.log(System.Logger.Level.INFO, "stats on " + describe(config));
        }
        return server;
    }

    /**
     * Makes the endpoint ready for {@code next} (null: none): a new address is opened now, so that a reload fails
     * before anything changes when it cannot be; {@link ListenerSwap#apply} then switches to it and closes the old
     * address (its open connections end with their current answer), or only switches paths and credentials.
     *
     * @throws IOException when the new address cannot be opened
     */
    public ListenerSwap prepare(StatsConfig next) throws IOException {
        StatsConfig before = config;
        if (SameSettings.of(before, next)) {
            return new ListenerSwap() {
                @Override
                public List<String> apply() {
                    return List.of();
                }

                @Override
                public void abandon() {
                }
            };
        }
        boolean moves = next != null && (before == null || !before.bind().address().equals(next.bind().address()));
        Channel opened = moves ? bind(next) : null;
        return new ListenerSwap() {
            @Override
            public List<String> apply() {
                Channel old = listener;
                settings = next == null ? null : StatsHandler.Settings.of(next);
                config = next;
                if (opened != null || next == null) {
                    listener = opened;
                    if (old != null) {
                        old.close().syncUninterruptibly();
                    }
                }
                String change = next == null ? "admin.stats: removed, not listening on " + before.bind().address()
                        + " any more" : "admin.stats: " + describe(next) + " (was " + (before == null ? "none"
                        : describe(before)) + ")";
                LOG.log(System.Logger.Level.INFO, change);
                return List.of(change);
            }

            @Override
            public void abandon() {
                if (opened != null) {
                    opened.close().syncUninterruptibly();
                }
            }
        };
    }

    /** The settings as an operator reads them in the log and the reload's report, never the password. */
    private static String describe(StatsConfig config) {
        return "http://" + config.bind().address() + ": metrics " + config.metricsPath() + ", page "
                + config.pagePath() + (config.auth() != null ? ", basic auth as " + config.auth().user() : "");
    }

    private Channel bind(StatsConfig config) throws IOException {
        HostPort address = config.bind().address();
        ServerBootstrap bootstrap = loops.allowNonLocalBind(new ServerBootstrap())
                .group(loops.group())
                .channel(loops.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                new StatsHandler(() -> settings, view, page));
                    }
                });
        InetSocketAddress socketAddress = address.bindAddress();
        try {
            return bootstrap.bind(socketAddress).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IOException("admin.stats: cannot listen on " + address + ": " + e.getMessage()
                    + " (is another process using the port, or is the address not local?)", e);
        }
    }

    /** The address it listens on (the port chosen when the config said 0), or null when it does not listen. */
    public InetSocketAddress localAddress() {
        Channel now = listener;
        return now == null ? null : (InetSocketAddress) now.localAddress();
    }

    /** Stops listening; open connections end with their current answer. */
    @Override
    public void close() {
        Channel now = listener;
        if (now != null) {
            now.close().syncUninterruptibly();
        }
    }
}
