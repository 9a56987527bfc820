package io.tandem.l4;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads the PROXY header (v1 or v2) an accept-proxy listen expects at the start of each connection, with Netty's
 * decoder run outside a channel of ours, as bytes arrive. What follows the header in the same reads is kept for the
 * server.
 */
final class ProxyHeaderReader {
    private final EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
    private HAProxyMessage header;
    private CompositeByteBuf rest = Unpooled.compositeBuffer();

    /**
     * Takes the next bytes read from the client (the caller's buffer is copied, not kept); true once the header is
     * complete. A malformed header, or bytes that are not one, throw.
     */
    boolean offer(ByteBuf bytes) {
        decoder.writeInbound(bytes);
        Object message;
        while ((message = decoder.readInbound()) != null) {
            if (message instanceof HAProxyMessage decoded && header == null) {
                header = decoded;
            } else if (message instanceof ByteBuf more && header != null) {
                rest.addComponent(true, more);
            } else {
                ReferenceCountUtil.release(message);
            }
        }
        return header != null;
    }

    /** The decoded header, once {@link #offer} returned true; the caller releases it. */
    HAProxyMessage header() {
        HAProxyMessage decoded = header;
        header = null;
        return decoded;
    }

    /** The client's bytes that came after the header (possibly none); the caller releases them. */
    ByteBuf rest() {
        ByteBuf taken = rest;
        rest = null;
        return taken;
    }

    /** Drops the decoder and anything it still holds. */
    void discard() {
        try {
            decoder.finishAndReleaseAll();
        } catch (RuntimeException e) {
            // Closing makes the decoder look at what it holds once more, and a bad header fails again: reported already.
        }
        if (header != null) {
            header.release();
            header = null;
        }
        if (rest != null) {
            rest.release();
            rest = null;
        }
    }
}
