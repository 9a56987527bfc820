package io.tandem.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config the packages install as /etc/tandem/tandem.yaml, checked by the built {@code tandem check}. */
class TemplateConfigTest {
    private static final Path TEMPLATE = Path.of("src/common/tandem.yaml");
    private static final Path UNIT = Path.of("src/common/tandem.service");
    private static final Path LAUNCHER = Path.of(System.getProperty("tandem.dist", "../appliance/target/tandem"),
            "bin/tandem");
    /** Descriptors tandem run asks for besides 2 per connection (TandemDaemon's DESCRIPTOR_HEADROOM). */
    private static final int HEADROOM = 256;

    @TempDir
    Path dir;

    @Test
    void installedTemplatePassesTandemCheck() throws Exception {
        String output = Tool.run(LAUNCHER.toString(), "check", "-c", TEMPLATE.toString());
        assertTrue(output.contains("is valid: 1 frontend(s), 1 backend(s), 1 server(s)"), output);
    }

    @Test
    void commentedVrrpExampleIsValidOnceUncommented() throws Exception {
        List<String> lines = Files.readAllLines(TEMPLATE);
        int start = lines.indexOf("# vrrp:");
        assertTrue(start > 0, "the template has a commented vrrp: block");
        String uncommented = lines.stream().limit(start).collect(Collectors.joining("\n")) + "\n"
                + lines.subList(start, lines.size()).stream()
                        .map(line -> line.startsWith("# ") ? line.substring(2) : "")
                        .collect(Collectors.joining("\n")) + "\n";
        Path withVrrp = Files.writeString(dir.resolve("tandem.yaml"), uncommented);
        String output = Tool.run(LAUNCHER.toString(), "check", "-c", withVrrp.toString());
        assertTrue(output.contains("1 server(s), 1 VRRP instance(s)"), output);
    }

    @Test
    void commentedStatsExampleIsValidOnceUncommented() throws Exception {
        List<String> lines = Files.readAllLines(TEMPLATE);
        int start = lines.indexOf("# admin:");
        assertTrue(start > 0, "the template has a commented admin: block");
        int end = start;
        while (end < lines.size() && lines.get(end).startsWith("# ")) {
            end++;
        }
        List<String> edited = new java.util.ArrayList<>(lines);
        for (int i = start; i < end; i++) {
            edited.set(i, lines.get(i).substring(2));
        }
        Path withStats = Files.writeString(dir.resolve("tandem.yaml"), String.join("\n", edited) + "\n");
        String output = Tool.run(LAUNCHER.toString(), "check", "-c", withStats.toString());
        assertTrue(output.contains("1 server(s), stats on 127.0.0.1:8404"), output);
    }

    @Test
    void unitOpensEnoughFilesForTheTemplatesMaxconnAndTheTemplateSaysHowMany() throws Exception {
        String template = Files.readString(TEMPLATE);
        int limit = firstNumber("(?m)^LimitNOFILE=(\\d+)$", Files.readString(UNIT));
        int maxconn = firstNumber("(?m)^\\s*maxconn: (\\d+)", template);
        assertTrue(limit >= 2 * maxconn + HEADROOM, "LimitNOFILE=" + limit + " is short for maxconn " + maxconn);
        assertTrue(template.contains("may open " + limit + " files"), "the template names LimitNOFILE=" + limit);
        assertTrue(template.contains("maxconn up to " + (limit - HEADROOM) / 2 + " "),
                "the template names the largest maxconn LimitNOFILE=" + limit + " covers");
    }

    private static int firstNumber(String regex, String text) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), regex);
        return Integer.parseInt(matcher.group(1));
    }
}
