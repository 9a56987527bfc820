import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TLS handshake load client for bench/tls.sh: CONNECTIONS connections at once to 127.0.0.1:PORT, each a new TCP
 * connection and a full handshake (BoringSSL through netty-tcnative; no session is offered again: the handler is made
 * without the peer's name, so the client's session cache never holds one), then, with REQUEST 1, "GET / HTTP/1.0"
 * read to the server's close; as soon as one ends another starts. One event-loop thread, so one core: unlike one
 * openssl s_time, which does one handshake at a time and waits on each, it keeps the server busy while a
 * handshake costs the client less than the server.
 *
 * <p>Run by bench/tls.sh from its source, on the jars of the Tandem build (no build step, nothing added to Tandem):
 * {@code java -cp 'appliance/target/tandem/lib/*' bench/TlsHandshakeLoad.java PORT CONNECTIONS WARMUP SECONDS
 * REQUEST}. It warms up (the JIT compiles its handshake path) for WARMUP seconds, prints "measuring", measures for
 * SECONDS and prints "N connections in S real seconds, F failed" (s_time's wording), the figure of the measured part
 * alone.
 */
public final class TlsHandshakeLoad {
    private static final ByteBuf REQUEST_BYTES = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(
            "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

    private final Bootstrap bootstrap;
    private final SslContext context;
    private final boolean request;
    private volatile boolean stopping;
    private long done;
    private long failed;
    private int open;
    private final CountDownLatch drained = new CountDownLatch(1);

    private TlsHandshakeLoad(EventLoopGroup group, Class<? extends SocketChannel> type, SslContext context, int port,
                             boolean request) {
        this.context = context;
        this.request = request;
        this.bootstrap = new Bootstrap().group(group).channel(type).remoteAddress("127.0.0.1", port)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(TlsHandshakeLoad.this.context.newHandler(channel.alloc()),
                                new OneConnection());
                    }
                });
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: TlsHandshakeLoad PORT CONNECTIONS WARMUP_SECONDS SECONDS REQUEST(0|1)");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int connections = Integer.parseInt(args[1]);
        double warmup = Double.parseDouble(args[2]);
        double seconds = Double.parseDouble(args[3]);
        boolean request = args[4].equals("1");
        if (!OpenSsl.isAvailable()) {
            throw new IllegalStateException("netty-tcnative does not load: " + OpenSsl.unavailabilityCause());
        }
        SslContext context = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
        try {
            TlsHandshakeLoad load = new TlsHandshakeLoad(group, epoll ? EpollSocketChannel.class
                    : NioSocketChannel.class, context, port, request);
            group.execute(() -> {
                for (int i = 0; i < connections; i++) {
                    load.connect();
                }
            });
            Thread.sleep((long) (warmup * 1000));
            long[] start = load.counts(group);
            long t0 = System.nanoTime();
            System.out.println("measuring");
            System.out.flush();
            Thread.sleep((long) (seconds * 1000));
            long[] end = load.counts(group);
            double real = (System.nanoTime() - t0) / 1e9;
            load.stopping = true;
            System.out.printf("%d connections in %.2f real seconds, %d failed (%s, %d at once, %s)%n",
                    end[0] - start[0], real, end[1] - start[1], OpenSsl.versionString(), connections,
                    request ? "GET / each" : "handshake only");
            System.out.flush();
            load.drained.await(5, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(3, TimeUnit.SECONDS);
        }
    }

    /** Completed and failed connections so far, read on the event loop that counts them. */
    private long[] counts(EventLoopGroup group) throws Exception {
        return group.next().submit(() -> new long[] {done, failed}).get(5, TimeUnit.SECONDS);
    }

    private void connect() {
        if (stopping) {
            return;
        }
        open++;
        bootstrap.connect().addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess()) {
                ended(false);
            }
        });
    }

    /** One connection is over: counted, and replaced by a new one until the run stops. */
    private void ended(boolean ok) {
        open--;
        if (ok) {
            done++;
        } else {
            failed++;
        }
        if (stopping) {
            if (open == 0) {
                drained.countDown();
            }
        } else {
            connect();
        }
    }

    /** Handshake, then (with REQUEST) the request and its response to the server's close; else close at once. */
    private final class OneConnection extends ChannelInboundHandlerAdapter {
        private boolean handshaken;
        private boolean answered;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                if (!handshake.isSuccess()) {
                    ctx.close();
                    return;
                }
                handshaken = true;
                Channel channel = ctx.channel();
                if (request) {
                    channel.writeAndFlush(REQUEST_BYTES.duplicate());
                } else {
                    channel.close();
                }
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            answered |= msg instanceof ByteBuf bytes && bytes.isReadable();
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended(handshaken && (answered || !request));
        }
    }
}
