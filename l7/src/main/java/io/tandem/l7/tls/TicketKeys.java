package io.tandem.l7.tls;

import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The session-ticket keys of every TLS context of the process: the newest encrypts new tickets, the one before
 * still decrypts tickets issued before the last {@link #rotate}, so a rotation makes no client do a full handshake
 * at once. The one source of keys: every bind and certificate uses the same ones (a client resumes whatever
 * certificate SNI picks), and in a cluster both nodes use the coordinator's ({@link #export}, {@link #use}), so a
 * client resumes on either node. Only BoringSSL/OpenSSL contexts take keys; the JDK's manage their own.
 */
public final class TicketKeys {
    /** One key as exported: its name, its HMAC key and its AES key. */
    private static final int KEY_BYTES = OpenSslSessionTicketKey.NAME_SIZE + OpenSslSessionTicketKey.HMAC_KEY_SIZE
            + OpenSslSessionTicketKey.AES_KEY_SIZE;
    /** The most keys held: the pair's current and previous, and this node's own last one (decrypting only). */
    private static final int MAX_KEYS = 3;

    private final SecureRandom random = new SecureRandom();
    private List<OpenSslSessionTicketKey> keys = List.of(fresh());

    /**
     * A new encryption key, given to {@code contexts}; the current one is kept for decryption only, the one before it
     * dropped. @return the keys now, exported
     */
    public synchronized byte[] rotate(Iterable<SslContext> contexts) {
        keys = List.of(fresh(), keys.get(0));
        applyTo(contexts);
        return export();
    }

    /**
     * Takes {@code exported} (another node's {@link #export}) as the keys, the first encrypting, and gives them to
     * {@code contexts}; this node's own current key is kept for decryption, so the tickets it issued before still
     * resume.
     *
     * @throws IllegalArgumentException when {@code exported} is not a list of keys
     */
    public synchronized void use(byte[] exported, Iterable<SslContext> contexts) {
        if (exported.length == 0 || exported.length % KEY_BYTES != 0 || exported.length / KEY_BYTES >= MAX_KEYS) {
            throw new IllegalArgumentException("ticket keys of " + exported.length + " bytes: expected 1 or "
                    + (MAX_KEYS - 1) + " keys of " + KEY_BYTES + " bytes");
        }
        List<OpenSslSessionTicketKey> next = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(exported);
        while (in.hasRemaining()) {
            byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
            byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
            byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
            in.get(name).get(hmac).get(aes);
            next.add(new OpenSslSessionTicketKey(name, hmac, aes));
        }
        OpenSslSessionTicketKey own = keys.get(0);
        if (next.stream().noneMatch(k -> Arrays.equals(k.name(), own.name()))) {
            next.add(own);
        }
        keys = List.copyOf(next);
        applyTo(contexts);
    }

    /** The keys in use, the encrypting one first, for a peer's {@link #use} (it travels encrypted: the cluster's). */
    public synchronized byte[] export() {
        // The node's own decrypting-only key stays here: a peer gets the pair's current and previous.
        List<OpenSslSessionTicketKey> shared = keys.subList(0, Math.min(keys.size(), MAX_KEYS - 1));
        ByteBuffer out = ByteBuffer.allocate(shared.size() * KEY_BYTES);
        for (OpenSslSessionTicketKey key : shared) {
            out.put(key.name()).put(key.hmacKey()).put(key.aesKey());
        }
        return out.array();
    }

    /** Gives {@code contexts} the current keys. */
    public synchronized void applyTo(Iterable<SslContext> contexts) {
        OpenSslSessionTicketKey[] current = keys.toArray(OpenSslSessionTicketKey[]::new);
        for (SslContext context : contexts) {
            if (context.sessionContext() instanceof OpenSslSessionContext openSsl) {
                openSsl.setTicketKeys(current);
            }
        }
    }

    private OpenSslSessionTicketKey fresh() {
        byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
        byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
        byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }
}
