package io.tandem.appliance.setup;

/** An answer that failed its check; the message is the one-line reason the wizard shows before asking again. */
final class BadAnswer extends Exception {
    private static final long serialVersionUID = 1L;

    BadAnswer(String reason) {
        super(reason, null, false, false);
    }
}
