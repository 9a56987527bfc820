package io.tandem.core.health;

/** TCP check: a connect alone, or {@code send} then read until the {@code expect} text shows up. */
final class TcpProbe implements Probe {
    private final String send;
    private final String expect;

    TcpProbe(String send, String expect) {
        this.send = send;
        this.expect = expect;
    }

    @Override
    public String request() {
        return send;
    }

    @Override
    public Verdict judge(CharSequence received, boolean complete) {
        if (expect == null) {
            return new Verdict(true, send == null ? "TCP connect ok" : "TCP connect ok, request sent");
        }
        if (received.toString().contains(expect)) {
            return new Verdict(true, "TCP reply matched '" + expect + "'");
        }
        return complete ? new Verdict(false, "TCP reply without '" + expect + "'") : null;
    }
}
