package io.tandem.l4;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Byte streams for relay tests: a seeded pseudo-random stream sent with its SHA-256, and a hashing reader. */
final class Streams {
    /** A block length that is no power of two, so block edges never line up with buffer edges. */
    private static final int BLOCK = 1024 * 1024 + 13;

    private Streams() {
    }

    /** What went through one direction. */
    record Digest(long bytes, String sha256) {
    }

    /** Writes {@code total} bytes of the stream {@code seed} names, in {@code chunk}-byte writes; returns their digest. */
    static Digest send(OutputStream out, long total, long seed, int chunk) throws IOException {
        byte[] block = new byte[BLOCK];
        new Random(seed).nextBytes(block);
        MessageDigest sha = sha256();
        long sent = 0;
        int at = 0;
        while (sent < total) {
            int n = (int) Math.min(Math.min(chunk, BLOCK - at), total - sent);
            out.write(block, at, n);
            sha.update(block, at, n);
            sent += n;
            at = (at + n) % BLOCK;
        }
        out.flush();
        return new Digest(sent, HexFormat.of().formatHex(sha.digest()));
    }

    /** Reads to end of stream; returns the digest of everything read. */
    static Digest receive(InputStream in, int bufferSize) throws IOException {
        byte[] buffer = new byte[bufferSize];
        MessageDigest sha = sha256();
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            sha.update(buffer, 0, n);
            total += n;
        }
        return new Digest(total, HexFormat.of().formatHex(sha.digest()));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
