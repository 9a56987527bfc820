package io.tandem.l7.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/2 client that writes frames by hand, hostile ones included, and reads the server's frames one by one;
 * header blocks are HPACK-coded with Netty's encoder and decoder. Not thread-safe.
 */
final class RawHttp2Client implements AutoCloseable {
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;

    /** One frame from the server; {@code code} is the error code of a RST_STREAM or GOAWAY. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        long code() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return Integer.toUnsignedLong(b.getInt(type == GOAWAY ? 4 : 0));
        }
    }

    final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    /** Connects to the harness's frontend and sends the connection preface and an empty SETTINGS. */
    RawHttp2Client(ProxyHarness proxy) throws IOException {
        this(proxy.connect());
    }

    /** Speaks HTTP/2 on {@code socket} (plain, or TLS that agreed h2): the preface and an empty SETTINGS. */
    RawHttp2Client(Socket socket) throws IOException {
        this.socket = socket;
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** The HPACK block of a request for {@code path}, with {@code extra} name/value pairs. */
    byte[] requestBlock(String method, String path, String... extra) throws Exception {
        Http2Headers headers = new DefaultHttp2Headers().method(method).scheme("http").path(path)
                .authority("localhost");
        for (int i = 0; i < extra.length; i += 2) {
            headers.add(extra[i], extra[i + 1]);
        }
        return block(headers);
    }

    /** The HPACK block of {@code headers} as they are, pseudo-headers included, in their order. */
    byte[] block(Http2Headers headers) throws Exception {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(1, headers, buf);
            byte[] block = new byte[buf.readableBytes()];
            buf.readBytes(block);
            return block;
        } finally {
            buf.release();
        }
    }

    void headers(int stream, boolean endStream, byte[] block) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block);
    }

    void get(int stream, String path) throws Exception {
        headers(stream, true, requestBlock("GET", path));
    }

    void reset(int stream) throws IOException {
        frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(0x8).array());
    }

    void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    /** Writes one frame (buffered by the kernel, flushed at once). */
    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(frameBytes(type, flags, stream, payload));
        out.flush();
    }

    static byte[] frameBytes(int type, int flags, int stream, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return b.array();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next frame, or null at the end of the connection (a reset counts as the end). */
    Frame next() throws IOException {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        } catch (java.io.EOFException | java.net.SocketException end) {
            return null;
        }
    }

    /** Frames until one of {@code type} (returned), or null when the connection ends first. */
    Frame until(int type) throws IOException {
        Frame frame;
        while ((frame = next()) != null && frame.type() != type) {
            decodeIfHeaders(frame);
        }
        return frame;
    }

    /** The headers of a HEADERS frame; the decoder keeps its table in step with the server's. */
    Http2Headers decodeIfHeaders(Frame frame) {
        if (frame.type() != HEADERS) {
            return null;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(frame.payload());
        try {
            return decoder.decodeHeaders(frame.stream(), buf);
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            buf.release();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
