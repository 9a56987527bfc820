package io.tandem.l4;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.tandem.core.balance.Server;
import io.tandem.core.net.EventLoops;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A UDP service: one datagram socket on the listen address, and a flow per client address. A flow is a connected
 * datagram socket to the server the balancer chose when the client's first datagram came; the client's datagrams
 * go out on it and the server's replies come back to the client from the service's socket. A flow ends after
 * {@code timeout client} without a datagram either way; the next datagram of that client starts a new flow,
 * balanced afresh. The flow table holds at most {@code maxconn} flows (default {@value
 * ServiceRuntime#DEFAULT_MAX_FLOWS}): when it is full, datagrams that would start a flow are dropped and counted.
 * The socket and every flow live on one event loop, so the table needs no lock.
 */
final class UdpService implements RunningService {
    private static final System.Logger LOG = System.getLogger(UdpService.class.getName());
    /** Datagrams kept for a flow while its socket connects (normally none: a UDP connect completes at once). */
    private static final int MAX_PENDING = 64;

    /** The service as the current snapshot has it; a connection or flow reads it once, when it starts. */
    private final Supplier<ServiceRuntime> current;
    private final EventLoops loops;
    private volatile int maxFlows;
    private final EventLoop loop;
    // Event-loop confined.
    private final Map<InetSocketAddress, Flow> flows = new HashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean accepting = true;
    private volatile Channel socket;

    UdpService(Supplier<ServiceRuntime> current, EventLoops loops, int maxFlows) {
        this.current = current;
        this.loops = loops;
        this.maxFlows = maxFlows;
        this.loop = loops.group().next();
    }

    /** The service as the current snapshot has it. */
    private ServiceRuntime service() {
        return current.get();
    }

    @Override
    public void start() throws IOException {
        Bootstrap bootstrap = loops.allowNonLocalBind(new Bootstrap())
                .group(loop)
                .channel(loops.datagramChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
                .handler(new FromClients());
        socket = RunningService.bind(service(), () -> bootstrap.bind(RunningService.socketAddress(service())));
        LOG.log(System.Logger.Level.INFO, "service " + service().name() + " listening on udp "
                + service().config().listen().address());
    }

    @Override
    public void stopAccepting() {
        accepting = false;
    }

    @Override
    public InetSocketAddress localAddress() {
        Channel current = socket;
        return current == null ? null : (InetSocketAddress) current.localAddress();
    }

    @Override
    public void limit(int max) {
        maxFlows = max;
    }

    @Override
    public int activeConnections() {
        return active.get();
    }

    @Override
    public void closeAll() {
        accepting = false;
        Channel current = socket;
        if (current == null) {
            return;
        }
        loop.execute(() -> {
            for (Flow flow : new ArrayList<>(flows.values())) {
                flow.close(false);
            }
            current.close();
        });
        current.closeFuture().syncUninterruptibly();
    }

    private void fromClient(DatagramPacket packet) {
        InetSocketAddress client = packet.sender();
        Flow flow = flows.get(client);
        if (flow == null) {
            flow = startFlow(client);
            if (flow == null) {
                service().counters().droppedDatagram();
                return;
            }
        }
        flow.send(packet.content().retain());
    }

    /** A new flow for {@code client}, or null when the table is full, the service drains, or no server is usable. */
    private Flow startFlow(InetSocketAddress client) {
        if (!accepting || flows.size() >= maxFlows) {
            return null;
        }
        ServiceRuntime service = service();
        // A usable server with room (its maxconn counts flows), its slot taken; a flow never queues.
        Server server = service.pool().tryAcquire(service.hashKey(client), Set.of());
        if (server == null) {
            return null;
        }
        Flow flow = new Flow(service, client, server);
        flows.put(client, flow);
        active.incrementAndGet();
        service.counters().opened();
        service.counters().balancedOnce();
        service.counters(server).opened();
        service.counters(server).balancedOnce();
        flow.connect();
        return flow;
    }

    /** The service socket's handler: every datagram from a client. */
    private final class FromClients extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            fromClient(packet);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // An ICMP error for an earlier reply; the socket itself stays usable.
            LOG.log(System.Logger.Level.DEBUG, "service " + service().name() + ": " + cause);
        }
    }

    /** One client's flow to its server. */
    private final class Flow extends SimpleChannelInboundHandler<DatagramPacket> {
        /** The service as the snapshot had it when the flow began. */
        private final ServiceRuntime service;
        private final InetSocketAddress client;
        private final Server server;
        private final L4Counters serverCounters;
        private final io.tandem.core.net.InactivityTimer idle;
        private final ArrayList<ByteBuf> pending = new ArrayList<>();
        private Channel channel;
        private boolean connected;
        private boolean closed;

        Flow(ServiceRuntime service, InetSocketAddress client, Server server) {
            this.service = service;
            this.client = client;
            this.server = server;
            this.serverCounters = service.counters(server);
            this.idle = new io.tandem.core.net.InactivityTimer(loop, () -> close(true));
            idle.start(service.timeouts().client().toMillis());
        }

        void connect() {
            channel = new Bootstrap()
                    .group(loop)
                    .channel(loops.datagramChannelClass())
                    .handler(this)
                    .connect(server.socketAddress())
                    .addListener(f -> {
                        if (f.isSuccess()) {
                            connected = true;
                            for (ByteBuf bytes : pending) {
                                channel.write(bytes);
                            }
                            pending.clear();
                            channel.flush();
                        } else {
                            failed();
                        }
                    }).channel();
        }

        void send(ByteBuf bytes) {
            if (closed) {
                bytes.release();
                service.counters().droppedDatagram();
                return;
            }
            idle.touch();
            int n = bytes.readableBytes();
            service.counters().addBytesIn(n);
            serverCounters.addBytesIn(n);
            if (connected) {
                channel.writeAndFlush(bytes);
            } else if (pending.size() < MAX_PENDING) {
                pending.add(bytes);
            } else {
                bytes.release();
                service.counters().droppedDatagram();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket reply) {
            Channel out = socket;
            if (closed || out == null || !out.isWritable()) {
                // The service socket's send buffer is full: drop rather than queue without bound.
                service.counters().droppedDatagram();
                return;
            }
            idle.touch();
            ByteBuf content = reply.content();
            int n = content.readableBytes();
            service.counters().addBytesOut(n);
            serverCounters.addBytesOut(n);
            out.write(new DatagramPacket(content.retain(), client));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Channel out = socket;
            if (out != null) {
                out.flush();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable on the connected socket: the server is not listening. The client's next
            // datagram starts a new flow, balanced afresh (health checks take the server out if configured).
            failed();
        }

        private void failed() {
            service.counters().connectError();
            serverCounters.connectError();
            close(false);
        }

        void close(boolean expired) {
            if (closed) {
                return;
            }
            closed = true;
            idle.stop();
            for (ByteBuf bytes : pending) {
                bytes.release();
            }
            pending.clear();
            if (flows.remove(client, this)) {
                active.decrementAndGet();
            }
            if (expired) {
                service.counters().expiredFlow();
                serverCounters.expiredFlow();
            }
            service.counters().closed();
            serverCounters.closed();
            service.pool().release(server);
            if (channel != null) {
                channel.close();
            }
        }
    }
}
