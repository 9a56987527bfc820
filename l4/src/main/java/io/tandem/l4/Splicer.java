package io.tandem.l4;

import io.netty.channel.ChannelFuture;
import io.netty.channel.epoll.AbstractEpollStreamChannel;

/**
 * Zero-copy relay with {@code splice(2)}: each direction moves socket → pipe → socket inside the kernel, in
 * chunks of {@value #CHUNK} bytes, through Netty's {@code AbstractEpollStreamChannel.spliceTo}. Back-pressure is
 * Netty's (a source stops reading while its last chunk is not written out); a source's end of input still
 * reaches the pipeline, so half-close works as with buffers.
 *
 * <p>Why it is off unless {@code -Dtandem.l4.splice=true}: the bytes bypass the pipelines, so counters and the
 * inactivity timer only see whole chunks (a quiet interactive session moving less than one chunk per
 * {@code timeout tunnel} would be cut as idle; byte counters miss each direction's last partial chunk); a client
 * that half-closes and then waits for a reply is reset (TcpRelayTest's half-close test fails with it); and on
 * loopback it was slower than the buffer relay (1 GiB each way: 4.97 s against 2.84 s with buffers, SHA-256 on
 * both ends included). Kept as a measured experiment, not as the data path.
 */
final class Splicer {
    static final int CHUNK = 64 * 1024;

    private final TcpSession session;
    private final AbstractEpollStreamChannel client;
    private final AbstractEpollStreamChannel upstream;

    Splicer(TcpSession session, AbstractEpollStreamChannel client, AbstractEpollStreamChannel upstream) {
        this.session = session;
        this.client = client;
        this.upstream = upstream;
    }

    void start() {
        pump(client, upstream, true);
        pump(upstream, client, false);
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
    }

    private void pump(AbstractEpollStreamChannel from, AbstractEpollStreamChannel to, boolean fromClient) {
        from.spliceTo(to, CHUNK).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                session.countSpliced(fromClient, CHUNK);
                if (from.isActive() && to.isActive()) {
                    pump(from, to, fromClient);
                }
            }
            // A failed splice means a channel closed; the session ends through the channels' own events.
        });
    }
}
