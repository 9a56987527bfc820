package io.tandem.core.tls;

/** A PEM file that cannot be used, with a message for the operator (what is wrong and how to fix it). */
public final class PemException extends Exception {
    public PemException(String message) {
        super(message);
    }
}
