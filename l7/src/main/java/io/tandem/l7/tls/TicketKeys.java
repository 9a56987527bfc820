package io.tandem.l7.tls;

import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;

import java.security.SecureRandom;
import java.util.List;

/**
 * The session-ticket keys of every TLS context of the process: the newest encrypts new tickets, the one before
 * still decrypts tickets issued before the last {@link #rotate}, so a rotation makes no client do a full handshake
 * at once. The one source of keys: every bind and certificate uses the same ones (a client resumes whatever
 * certificate SNI picks), and a cluster that shares them shares this object's keys. Only BoringSSL/OpenSSL
 * contexts take keys; the JDK's manage their own.
 */
public final class TicketKeys {
    private final SecureRandom random = new SecureRandom();
    private volatile List<OpenSslSessionTicketKey> keys = List.of(fresh());

    /** A new encryption key; the current one is kept for decryption only, the one before it dropped. */
    public void rotate() {
        keys = List.of(fresh(), keys.get(0));
    }

    /** Gives {@code contexts} the current keys. */
    public void applyTo(Iterable<SslContext> contexts) {
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
