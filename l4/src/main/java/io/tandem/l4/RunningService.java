package io.tandem.l4;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.tandem.core.config.HostPort;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/** A started L4 service, TCP or UDP: what {@link L4Services} needs to run, drain and stop it. */
interface RunningService {

    /** Opens the service's socket; an {@link IOException} names the service and the address. */
    void start() throws IOException;

    /** Takes no new connections (TCP: the listener closes) or flows (UDP); the current ones go on. */
    void stopAccepting();

    /** The address the service's socket is bound to (the actual port when {@code listen} says 0), null before start. */
    InetSocketAddress localAddress();

    /** Sets the connection (flow) limit: a reload may change {@code maxconn} while the socket stays. */
    void limit(int maxConnections);

    /** Connections (flows) open now. */
    int activeConnections();

    /** Closes the socket and every connection or flow now. */
    void closeAll();

    /** The socket address a service's {@code listen} names (see {@link HostPort#bindAddress}). */
    static InetSocketAddress socketAddress(ServiceRuntime service) {
        return service.config().listen().address().bindAddress();
    }

    /** Binds and waits; a failure becomes an {@link IOException} an operator can act on. */
    static Channel bind(ServiceRuntime service, Supplier<ChannelFuture> binding) throws IOException {
        try {
            return binding.get().syncUninterruptibly().channel();
        } catch (Exception e) {
            throw cannotListen(service, e);
        }
    }

    /** The error for a service whose socket could not be opened, naming the service, the address and the cause. */
    static IOException cannotListen(ServiceRuntime service, Exception cause) {
        HostPort address = service.config().listen().address();
        return new IOException("service " + service.name() + ": cannot listen on "
                + service.config().protocol().name().toLowerCase(java.util.Locale.ROOT) + " " + address + ": "
                + cause.getMessage() + " (is another process using the port, or is the address not local?)", cause);
    }
}
