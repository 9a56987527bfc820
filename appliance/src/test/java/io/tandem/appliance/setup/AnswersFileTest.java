package io.tandem.appliance.setup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The answers file's forms and its errors, each naming the line and the key, through the wizard's interview. */
class AnswersFileTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream shown = new ByteArrayOutputStream();

    private AnswersFile interview(String text) throws Exception {
        Path file = dir.resolve("answers");
        Files.writeString(file, text);
        AnswersFile answers = AnswersFile.read(file, new PrintStream(shown, true, StandardCharsets.UTF_8));
        new Interview(answers, "lb", List.of("eth0", "eth1"), new SecureRandom()).run();
        return answers;
    }

    private String errors(String text) throws Exception {
        return String.join("\n", interview(text).errors());
    }

    @Test
    void keyValueAndYamlGiveTheSameAnswers() throws Exception {
        assertEquals(List.of(), interview("interface=eth1\nservers=198.18.1.1:80 198.18.1.2:80\n").errors());
        assertEquals(List.of(), interview("interface: eth1\nservers: [198.18.1.1:80, 198.18.1.2:80]\n").errors());
    }

    @Test
    void aFileThatIsNeitherFormIsRefused() throws Exception {
        assertTrue(errors("- a\n- b\n").contains("neither key=value lines nor a YAML mapping"));
        assertTrue(errors("a: [b\n").contains("neither key=value lines nor YAML"));
    }

    @Test
    void eachErrorNamesItsLineAndKey() throws Exception {
        String errors = errors("servers=198.18.1.1:80\nport=0\nport=81\nbalance=fastest\n");
        assertTrue(errors.contains(":3: port: given twice (first on line 2)"), errors);
        assertTrue(errors.contains(":2: port: 0 is not in 1..65535"), errors);
        assertTrue(errors.contains(":4: balance: unknown balance algorithm 'fastest'"), errors);
        assertTrue(errors("interface: eth0\nservers: { a: b }\n").contains(":2: servers: give a value or a list"));
        assertTrue(errors("interface=eth0\n").contains(": servers: missing, and it has no default"));
    }

    @Test
    void aGeneratedSecretIsShownOnlyOnceWritten() throws Exception {
        AnswersFile answers = interview("role=first\nvips=198.18.0.100/24\npeer=198.18.0.12\nservers=198.18.1.1:80\n");
        assertEquals(List.of(), answers.errors());
        assertNotNull(answers.newSecret());
        assertFalse(shown.toString(StandardCharsets.UTF_8).contains(answers.newSecret().text()),
                "not shown during the interview");
    }
}
