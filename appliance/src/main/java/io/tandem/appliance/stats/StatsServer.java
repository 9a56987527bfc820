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
import io.tandem.core.config.StatsConfig;
import io.tandem.core.net.EventLoops;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The {@code admin.stats} endpoint: a small HTTP/1.1 server on the shared event loops (no group of its own) that
 * answers the metrics, the stats page and the page's JSON (see {@link StatsHandler}). Requests are tiny and
 * answered from memory on the loop, so it never blocks the proxy's loops for more than one render.
 */
public final class StatsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StatsServer.class.getName());
    /** Request heads and bodies a stats client has any business sending fit in this. */
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** An idle scraper's or browser's connection is closed after this. */
    private static final int IDLE_SECONDS = 60;

    private final Channel listener;

    private StatsServer(Channel listener) {
        this.listener = listener;
    }

    /** Listens on {@code config.bind()}; {@code view} is read on every request. */
    public static StatsServer start(EventLoops loops, StatsConfig config, Supplier<LiveView> view)
            throws IOException {
        HostPort address = config.bind().address();
        StatsPage page = StatsPage.load();
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
                                new HttpObjectAggregator(MAX_REQUEST_BYTES), new StatsHandler(config, view, page));
                    }
                });
        InetSocketAddress socketAddress = address.bindAddress();
        try {
            Channel listener = bootstrap.bind(socketAddress).syncUninterruptibly().channel();
            LOG.log(System.Logger.Level.INFO, "stats on http://" + address + ": metrics " + config.metricsPath()
                    + ", page " + config.pagePath() + (config.auth() != null ? " (basic auth)" : ""));
            return new StatsServer(listener);
        } catch (Exception e) {
            throw new IOException("admin.stats: cannot listen on " + address + ": " + e.getMessage()
                    + " (is another process using the port, or is the address not local?)", e);
        }
    }

    /** The address it listens on (the port chosen when the config said 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Stops listening; open connections end with their current answer. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
    }
}
