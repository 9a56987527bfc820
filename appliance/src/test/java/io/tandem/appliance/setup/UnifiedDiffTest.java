package io.tandem.appliance.setup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The wizard's diff against GNU diff and patch: the same hunks for a simple change, and patch applies every diff. */
class UnifiedDiffTest {
    @TempDir
    Path dir;

    private String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return out;
    }

    @Test
    void oneChangedLineGivesTheSameHunkAsDiffU() throws Exception {
        String old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        String changed = "a\nb\nc\nd\ne\nF\ng\nh\ni\nj\nk\n";
        Files.writeString(dir.resolve("old"), old);
        Files.writeString(dir.resolve("new"), changed);
        String gnu = run("diff", "-u", "old", "new");
        String ours = UnifiedDiff.of("old", "new", old, changed);
        assertEquals(gnu.substring(gnu.indexOf("@@")), ours.substring(ours.indexOf("@@")));
    }

    @Test
    void equalTextsGiveNoDiff() {
        assertEquals("", UnifiedDiff.of("a", "b", "x\ny\n", "x\ny\n"));
    }

    @Test
    void aNewFileIsEveryLineAdded() {
        assertEquals("--- /dev/null\n+++ t.yaml\n@@ -0,0 +1,2 @@\n+x\n+y\n", UnifiedDiff.of("/dev/null", "t.yaml", "",
                "x\ny\n"));
    }

    @Test
    void patchTurnsTheOldTextIntoTheNewOneForRandomEdits() throws Exception {
        Random random = new Random(18);
        for (int round = 0; round < 40; round++) {
            List<String> old = new ArrayList<>();
            for (int i = random.nextInt(30); i > 0; i--) {
                old.add("line " + random.nextInt(8));
            }
            List<String> changed = new ArrayList<>(old);
            for (int edits = random.nextInt(6); edits > 0; edits--) {
                int at = changed.isEmpty() ? 0 : random.nextInt(changed.size());
                switch (random.nextInt(3)) {
                    case 0 -> changed.add(at, "new " + random.nextInt(8));
                    case 1 -> {
                        if (!changed.isEmpty()) {
                            changed.remove(at);
                        }
                    }
                    default -> {
                        if (!changed.isEmpty()) {
                            changed.set(at, "changed " + random.nextInt(8));
                        }
                    }
                }
            }
            String oldText = old.isEmpty() ? "" : String.join("\n", old) + "\n";
            String newText = changed.isEmpty() ? "" : String.join("\n", changed) + "\n";
            String diff = UnifiedDiff.of("file", "file", oldText, newText);
            if (oldText.equals(newText)) {
                assertEquals("", diff);
                continue;
            }
            Path file = dir.resolve("file");
            Files.writeString(file, oldText);
            Files.writeString(dir.resolve("change.diff"), diff);
            String out = run("patch", "--quiet", "--force", "file", "change.diff");
            assertEquals(newText, Files.readString(file), () -> "patch: " + out + "\n" + diff);
        }
    }
}
