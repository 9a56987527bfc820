package io.tandem.core.health;

/**
 * TCP check: a connect alone ({@code request} null), or {@code request} sent, then the reply read until the
 * {@code expect} text shows up.
 */
record TcpProbe(String request, String expect) implements Probe {
    @Override
    public Verdict judge(CharSequence received, boolean complete) {
        if (expect == null) {
            return new Verdict(true, request == null ? "TCP connect ok" : "TCP connect ok, request sent");
        }
        if (received.toString().contains(expect)) {
            return new Verdict(true, "TCP reply matched '" + expect + "'");
        }
        return complete ? new Verdict(false, "TCP reply without '" + expect + "'") : null;
    }
}
