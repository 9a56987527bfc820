package io.tandem.core.health;

/**
 * HTTP check: one {@code Connection: close} request (over HTTP/2, one stream: {@link Http2ProbeBridge}), judged on the status (the expected one, or any 2xx/3xx)
 * and, with an expected string, on the first {@value #MAX_BODY} bytes of the body.
 */
record HttpProbe(String request, int expectStatus, String expectString) implements Probe {
    static final int MAX_BODY = 16 * 1024;

    /** The probe of {@code method path} with Host {@code host}. */
    HttpProbe(String method, String path, String host, int expectStatus, String expectString) {
        this(method + " " + path + " HTTP/1.1\r\nHost: " + host
                + "\r\nUser-Agent: tandem-check\r\nConnection: close\r\n\r\n", expectStatus, expectString);
    }

    /** The probe of a server with {@code proto: h2}: the request goes as a stream ({@link Http2ProbeBridge}). */
    static HttpProbe overHttp2(int expectStatus, String expectString) {
        return new HttpProbe(null, expectStatus, expectString);
    }

    @Override
    public Verdict judge(CharSequence received, boolean complete) {
        String text = received.toString();
        int lineEnd = text.indexOf("\r\n");
        if (lineEnd < 0) {
            return complete ? new Verdict(false, text.isEmpty() ? "connection closed without a response"
                    : "invalid HTTP response") : null;
        }
        int status = parseStatus(text.substring(0, lineEnd));
        if (status < 0) {
            return new Verdict(false, "invalid HTTP status line");
        }
        String detail = "HTTP " + status;
        boolean statusOk = expectStatus == 0 ? status >= 200 && status < 400 : status == expectStatus;
        if (!statusOk || expectString == null) {
            return new Verdict(statusOk, detail);
        }
        int headersEnd = text.indexOf("\r\n\r\n");
        if (headersEnd < 0) {
            return complete ? new Verdict(false, detail + ", truncated headers") : null;
        }
        String body = text.substring(headersEnd + 4, Math.min(text.length(), headersEnd + 4 + MAX_BODY));
        if (body.contains(expectString)) {
            return new Verdict(true, detail);
        }
        boolean bodyDone = complete || body.length() >= MAX_BODY;
        return bodyDone ? new Verdict(false, detail + ", body without '" + expectString + "'") : null;
    }

    /** The code of {@code HTTP/1.x NNN reason}, or -1 when the line is not one. */
    private static int parseStatus(String line) {
        if (!line.startsWith("HTTP/") || line.length() < 12 || line.charAt(8) != ' ') {
            return -1;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return line.length() == 12 || line.charAt(12) == ' ' ? code : -1;
    }
}
