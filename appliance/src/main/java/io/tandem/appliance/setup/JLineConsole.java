package io.tandem.appliance.setup;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Lines read with JLine on a real terminal: cursor keys, backspace, Ctrl-A/E and this session's history. Bracketed
 * paste is off so that a pasted secret arrives as typed text on any console.
 */
final class JLineConsole implements LineConsole {
    private final Terminal terminal;
    private final LineReader reader;
    private final PrintWriter out;

    JLineConsole(Terminal terminal) {
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder().terminal(terminal)
                .option(LineReader.Option.BRACKETED_PASTE, false)
                .option(LineReader.Option.AUTO_FRESH_LINE, false)
                .variable(LineReader.HISTORY_FILE, null)
                .build();
        this.out = terminal.writer();
    }

    @Override
    public String readLine(String prompt) throws SetupCancelled {
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException e) {
            throw new SetupCancelled("Ctrl-C", 130);
        } catch (EndOfFileException e) {
            throw new SetupCancelled("end of input", 1);
        }
    }

    @Override
    public void println(String line) {
        out.println(line);
        out.flush();
    }

    @Override
    public void onInterrupt(Runnable action) {
        // Through the terminal, which restores its own handler after each line it reads.
        terminal.handle(Terminal.Signal.INT, signal -> action.run());
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException e) {
            // The terminal's attributes are restored on a best-effort basis; the wizard is done with it either way.
        }
    }
}
