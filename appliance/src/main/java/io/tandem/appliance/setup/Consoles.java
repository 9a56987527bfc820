package io.tandem.appliance.setup;

import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Picks the console: JLine on a real terminal, plain lines on a dumb one, a serial line without TERM, or a pipe. */
final class Consoles {
    private Consoles() {
    }

    static LineConsole open(InputStream in, PrintStream out) {
        boolean inputIsTerminal = isTerminal(0);
        String term = System.getenv("TERM");
        boolean dumb = term == null || term.isBlank() || term.equals("dumb");
        if (inputIsTerminal && isTerminal(1) && !dumb) {
            try {
                // No grapheme-cluster probe: it queries the terminal and waits for answers that a serial console
                // never gives, and swallows the keys typed meanwhile.
                Terminal terminal = TerminalBuilder.builder().system(true).dumb(false).graphemeCluster(false).build();
                if (terminal.getWidth() <= 0) {
                    // A serial line has no size until stty sets one; JLine cannot lay out a line in 0 columns.
                    terminal.setSize(new Size(80, 24));
                }
                return new JLineConsole(terminal);
            } catch (IOException | RuntimeException e) {
                out.println("(line editing is not available here: " + e.getMessage() + "; reading plain lines)");
            }
        }
        return new PlainConsole(in, out, !inputIsTerminal);
    }

    /** True when file descriptor {@code fd} of this process is a terminal (a tty, a pty or the console). */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
