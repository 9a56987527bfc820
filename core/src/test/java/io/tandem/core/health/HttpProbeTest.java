package io.tandem.core.health;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HttpProbeTest {

    private static String verdict(HttpProbe probe, String reply, boolean complete) {
        Probe.Verdict v = probe.judge(reply, complete);
        return v == null ? null : (v.passed() ? "pass " : "fail ") + v.detail();
    }

    @Test
    void requestFollowsTheCheckFormat() {
        assertEquals("GET /health HTTP/1.1\r\nHost: example.com\r\nUser-Agent: tandem-check\r\n"
                        + "Connection: close\r\n\r\n",
                new HttpProbe("GET", "/health", "example.com", 0, null).request());
    }

    @Test
    void anyRedirectOrSuccessPassesWhenNoStatusIsExpected() {
        HttpProbe probe = new HttpProbe("GET", "/", "h", 0, null);
        assertEquals("pass HTTP 302", verdict(probe, "HTTP/1.1 302 Found\r\n", false));
        assertEquals("fail HTTP 404", verdict(probe, "HTTP/1.0 404 Not Found\r\n", false));
        assertNull(verdict(probe, "HTTP/1.1 20", false), "waits for the whole status line");
    }

    @Test
    void garbageAndEarlyCloseFail() {
        HttpProbe probe = new HttpProbe("GET", "/", "h", 200, null);
        assertEquals("fail invalid HTTP status line", verdict(probe, "SSH-2.0-OpenSSH\r\n", false));
        assertEquals("fail connection closed without a response", verdict(probe, "", true));
    }

    @Test
    void expectedStringIsSearchedInTheFirst16KiBOfTheBody() {
        HttpProbe probe = new HttpProbe("GET", "/", "h", 0, "READY");
        String head = "HTTP/1.1 200 OK\r\nX-State: READY\r\n\r\n";
        assertNull(verdict(probe, head, false), "headers do not count");
        assertEquals("pass HTTP 200", verdict(probe, head + "status=READY", false));
        String late = head + "x".repeat(HttpProbe.MAX_BODY) + "READY";
        assertEquals("fail HTTP 200, body without 'READY'", verdict(probe, late, false));
    }
}
