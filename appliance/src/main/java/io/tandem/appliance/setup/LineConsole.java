package io.tandem.appliance.setup;

import java.io.PrintWriter;

/** Reads one answer line after a prompt, and prints lines, on whatever the wizard's console is. */
abstract class LineConsole implements AutoCloseable {
    private final PrintWriter out;

    /** A console that prints to {@code out}. */
    LineConsole(PrintWriter out) {
        this.out = out;
    }

    /** Shows {@code prompt} and reads one line without its end; throws when the operator leaves. */
    abstract String readLine(String prompt) throws SetupCancelled;

    /** Prints {@code line} at once, so that it shows before the console waits for the next answer. */
    final void println(String line) {
        out.println(line);
        out.flush();
    }

    /** Prints {@code text} at once without ending the line (a prompt the answer follows). */
    final void print(String text) {
        out.print(text);
        out.flush();
    }

    /** Runs {@code action} on Ctrl-C (a console that edits lines itself ends a read with {@link SetupCancelled}). */
    abstract void onInterrupt(Runnable action);

    /** Flushes what is printed; the output stays open (it is the wizard's standard output). */
    @Override
    public void close() {
        out.flush();
    }
}
