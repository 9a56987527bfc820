package io.tandem.l7.compress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses one response body as it streams: each part the server sends becomes one compressed part, flushed
 * (SYNC_FLUSH) so that nothing waits in the compressor and the client's back-pressure paces the server as without
 * compression. Owns a native {@link Deflater}: {@link #close} when the response ends any other way than its last
 * part.
 */
public final class BodyCompressor {
    /** HAProxy's default {@code tune.comp.maxlevel}: fast compression, which is what a proxy can afford. */
    private static final int LEVEL = 1;
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int MIN_OUTPUT = 64;

    private final ByteBufAllocator alloc;
    private final Deflater deflater;
    private final CRC32 crc;
    private boolean headerWritten;

    BodyCompressor(Algorithm algorithm, ByteBufAllocator alloc) {
        this.alloc = alloc;
        // gzip is bare deflate between a header and a CRC32/size trailer written here.
        this.deflater = new Deflater(LEVEL, algorithm != Algorithm.DEFLATE);
        this.crc = algorithm == Algorithm.GZIP ? new CRC32() : null;
        this.headerWritten = crc == null;
    }

    /** The compressed form of {@code part}, which is released; the last part ends the stream and the compressor. */
    public HttpContent encode(HttpContent part) {
        boolean last = part instanceof LastHttpContent;
        ByteBuf input = part.content();
        int length = input.readableBytes();
        ByteBuf out = alloc.buffer(Math.max(MIN_OUTPUT, length / 2 + MIN_OUTPUT));
        try {
            if (!headerWritten) {
                out.writeBytes(GZIP_HEADER);
                headerWritten = true;
            }
            if (length > 0) {
                ByteBuffer bytes = input.nioBuffer();
                if (crc != null) {
                    crc.update(bytes.duplicate());
                }
                deflater.setInput(bytes);
                deflate(out, Deflater.SYNC_FLUSH);
            }
            if (last) {
                deflater.finish();
                deflate(out, Deflater.NO_FLUSH);
                if (crc != null) {
                    out.writeIntLE((int) crc.getValue());
                    out.writeIntLE((int) deflater.getBytesRead());
                }
                deflater.end();
                return new DefaultLastHttpContent(out, ((LastHttpContent) part).trailingHeaders().copy());
            }
            return new DefaultHttpContent(out);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            part.release();
        }
    }

    /** Frees the native compressor of a response that ended early. */
    public void close() {
        deflater.end();
    }

    /** Drains the deflater into {@code out}, growing it, until a sync flush has taken all input, or a finish has written the end. */
    private void deflate(ByteBuf out, int flush) {
        while (true) {
            out.ensureWritable(MIN_OUTPUT);
            ByteBuffer room = out.nioBuffer(out.writerIndex(), out.writableBytes());
            int written = deflater.deflate(room, flush);
            out.writerIndex(out.writerIndex() + written);
            boolean done = flush == Deflater.SYNC_FLUSH ? written < room.capacity() : deflater.finished();
            if (done) {
                return;
            }
        }
    }
}
