package io.tandem.vrrp.io;

import java.io.IOException;

/** A failed system call, with its errno and a one-line message that names what was attempted. */
public final class NativeIoException extends IOException {
    private final int errno;

    public NativeIoException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The errno the call failed with (Linux numbering); 0 when the failure was not a system call's. */
    public int errno() {
        return errno;
    }
}
