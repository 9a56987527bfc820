package io.tandem.l7.acl;

import java.net.InetAddress;

/** The two pattern-less methods: {@code -m found} (the fetch has a value) and {@code -m bool} (the value is not 0). */
enum Presence implements SampleTest {
    FOUND {
        @Override
        public boolean string(String value) {
            return true;
        }

        @Override
        public boolean integer(long value) {
            return true;
        }

        @Override
        public boolean address(InetAddress value) {
            return true;
        }
    },
    BOOL {
        @Override
        public boolean string(String value) {
            return false;
        }

        @Override
        public boolean integer(long value) {
            return value != 0;
        }

        @Override
        public boolean address(InetAddress value) {
            return false;
        }
    }
}
