package io.tandem.l7.acl;

import io.tandem.core.config.HostPort;

import java.net.InetAddress;

/**
 * What a fetch offers its values to: one method per native sample type, so a fetch never boxes or converts a
 * value that the matcher does not need converted. Each returns true when the value matches.
 */
interface SampleTest {

    boolean string(String value);

    /** Integers, and booleans as 1 or 0 (HAProxy's representation). */
    boolean integer(long value);

    boolean address(InetAddress value);

    /** A test on text: other values are compared by their text form, as HAProxy casts them. */
    interface OnText extends SampleTest {
        @Override
        default boolean integer(long value) {
            return string(Long.toString(value));
        }

        @Override
        default boolean address(InetAddress value) {
            return string(HostPort.text(value));
        }
    }
}
