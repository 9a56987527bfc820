package io.tandem.appliance.setup;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;

import java.io.IOException;

/**
 * Lines read with JLine on a real terminal: cursor keys, backspace, Ctrl-A/E and this session's history. Bracketed
 * paste is off so that a pasted secret arrives as typed text on any console.
 */
final class JLineConsole extends LineConsole {
    private final Terminal terminal;
    private final LineReader reader;

    JLineConsole(Terminal terminal) {
        super(terminal.writer());
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder().terminal(terminal)
                .option(LineReader.Option.BRACKETED_PASTE, false)
                .option(LineReader.Option.AUTO_FRESH_LINE, false)
                .variable(LineReader.HISTORY_FILE, null)
                .build();
    }

    @Override
    String readLine(String prompt) throws SetupCancelled {
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException e) {
            throw new SetupCancelled("Ctrl-C", 130);
        } catch (EndOfFileException e) {
            throw new SetupCancelled("end of input", 1);
        }
    }

    @Override
    void onInterrupt(Runnable action) {
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
