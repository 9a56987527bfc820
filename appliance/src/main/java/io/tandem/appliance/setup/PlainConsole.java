package io.tandem.appliance.setup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Lines read as they come, for a dumb terminal, a pipe or a file: no escape sequences, so a serial-console driver
 * sees exactly the prompt texts. On a TTY the kernel's line discipline still gives backspace and Ctrl-U. When the
 * input is not a terminal nothing echoes the answer, so it is printed after the prompt to keep the transcript one
 * question per line.
 */
final class PlainConsole extends LineConsole {
    private final BufferedReader in;
    private final boolean echo;

    PlainConsole(InputStream in, PrintStream out, boolean echo) {
        super(new PrintWriter(out));
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.echo = echo;
    }

    @Override
    String readLine(String prompt) throws SetupCancelled {
        print(prompt);
        String line;
        try {
            line = in.readLine();
        } catch (IOException e) {
            throw new SetupCancelled("the input could not be read (" + e.getMessage() + ")", 1);
        }
        if (line == null) {
            println("");
            throw new SetupCancelled("end of input", 1);
        }
        if (echo) {
            println(line);
        }
        return line;
    }

    @Override
    void onInterrupt(Runnable action) {
        Interrupts.onSigint(action);
    }
}
