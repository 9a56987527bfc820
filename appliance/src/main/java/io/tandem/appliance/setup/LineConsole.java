package io.tandem.appliance.setup;

/** Reads one answer line after a prompt, and prints lines, on whatever the wizard's console is. */
interface LineConsole extends AutoCloseable {

    /** Shows {@code prompt} and reads one line without its end; throws when the operator leaves. */
    String readLine(String prompt) throws SetupCancelled;

    void println(String line);

    /** Runs {@code action} on Ctrl-C (a console that edits lines itself ends a read with {@link SetupCancelled}). */
    void onInterrupt(Runnable action);

    @Override
    void close();
}
