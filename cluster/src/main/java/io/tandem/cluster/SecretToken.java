package io.tandem.cluster;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.auth.AuthToken;
import org.jgroups.util.UUID;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * JGroups {@code AUTH} token: proof that a joining (or merging) member holds the cluster secret, an HMAC of its
 * own address under the key derived for authentication. Nothing of the secret travels; a captured proof is good
 * only for the address it names, and whoever replays it still reads and writes nothing, since every payload is
 * encrypted under another key derived from the same secret. A refusal is reported through {@code refused}, so the
 * member that was tried logs who and why.
 */
public final class SecretToken extends AuthToken {
    private static final int PROOF_BYTES = 32;

    private byte[] key;
    private Consumer<String> refused;
    /** The proof read from a peer's header; null in the local token. */
    private byte[] proof;

    /** For JGroups, which creates the peer's copy of the token from its header. */
    public SecretToken() {
    }

    SecretToken(byte[] key, Consumer<String> refused) {
        this.key = key.clone();
        this.refused = refused;
    }

    @Override
    public String getName() {
        return SecretToken.class.getName();
    }

    @Override
    public int size() {
        return 1 + PROOF_BYTES;
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        if (token == this) {
            return true; // a message this member sent to itself, never serialised
        }
        boolean valid = token instanceof SecretToken peer && peer.proof != null && msg.getSrc() != null
                && MessageDigest.isEqual(peer.proof, proof(key, msg.getSrc()));
        if (!valid && refused != null) {
            refused.accept(msg.getSrc() + (token instanceof SecretToken ? " proved no knowledge of this cluster's "
                    + "secret" : " sent no Tandem cluster token"));
        }
        return valid;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        // The channel's address: AUTH itself does not keep the local address.
        byte[] mine = proof(key, auth.getProtocolStack().getChannel().getAddress());
        out.writeByte(mine.length);
        out.write(mine);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        int length = in.readUnsignedByte();
        if (length != PROOF_BYTES) {
            throw new IOException("bad cluster token length " + length);
        }
        proof = new byte[length];
        in.readFully(proof);
    }

    private static byte[] proof(byte[] key, Address address) {
        byte[] id;
        if (address instanceof UUID uuid) {
            id = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits())
                    .array();
        } else {
            id = String.valueOf(address).getBytes(StandardCharsets.UTF_8);
        }
        return ClusterKeys.hmac(key, id);
    }
}
