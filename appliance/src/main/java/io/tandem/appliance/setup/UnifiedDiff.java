package io.tandem.appliance.setup;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff ({@code diff -u}) of two texts by lines, with three lines of context: what the wizard shows before
 * it asks to apply. A longest-common-subsequence table is fine for config files; past a size where it would cost
 * too much memory, the diff is the whole old text removed and the new one added.
 */
final class UnifiedDiff {
    private static final int CONTEXT = 3;
    private static final long MAX_CELLS = 4_000_000L;

    private enum Kind { SAME, REMOVED, ADDED }

    private record Edit(Kind kind, String line) {
    }

    private UnifiedDiff() {
    }

    /** The diff, or the empty string when the texts are equal. */
    static String of(String oldName, String newName, String oldText, String newText) {
        List<String> a = oldText.lines().toList();
        List<String> b = newText.lines().toList();
        if (a.equals(b)) {
            return "";
        }
        List<Edit> edits = edits(a, b);
        StringBuilder out = new StringBuilder();
        out.append("--- ").append(oldName).append('\n').append("+++ ").append(newName).append('\n');
        int i = 0;
        while (i < edits.size()) {
            if (edits.get(i).kind() == Kind.SAME) {
                i++;
                continue;
            }
            int start = Math.max(0, i - CONTEXT);
            int end = i;
            // A hunk goes on while the next change is within twice the context of the last one.
            int lastChange = i;
            while (end < edits.size()) {
                if (edits.get(end).kind() != Kind.SAME) {
                    lastChange = end;
                } else if (end - lastChange > 2 * CONTEXT) {
                    break;
                }
                end++;
            }
            end = Math.min(edits.size(), lastChange + CONTEXT + 1);
            hunk(out, edits, start, end);
            i = end;
        }
        return out.toString();
    }

    private static void hunk(StringBuilder out, List<Edit> edits, int start, int end) {
        int oldStart = 1;
        int newStart = 1;
        for (int k = 0; k < start; k++) {
            oldStart += edits.get(k).kind() != Kind.ADDED ? 1 : 0;
            newStart += edits.get(k).kind() != Kind.REMOVED ? 1 : 0;
        }
        int oldCount = 0;
        int newCount = 0;
        StringBuilder body = new StringBuilder();
        for (int k = start; k < end; k++) {
            Edit edit = edits.get(k);
            oldCount += edit.kind() != Kind.ADDED ? 1 : 0;
            newCount += edit.kind() != Kind.REMOVED ? 1 : 0;
            body.append(switch (edit.kind()) {
                case SAME -> ' ';
                case REMOVED -> '-';
                case ADDED -> '+';
            }).append(edit.line()).append('\n');
        }
        // diff -u numbers an empty side by the line before it.
        out.append("@@ -").append(range(oldCount == 0 ? oldStart - 1 : oldStart, oldCount))
                .append(" +").append(range(newCount == 0 ? newStart - 1 : newStart, newCount)).append(" @@\n")
                .append(body);
    }

    private static String range(int start, int count) {
        return count == 1 ? String.valueOf(start) : start + "," + count;
    }

    private static List<Edit> edits(List<String> a, List<String> b) {
        List<Edit> edits = new ArrayList<>();
        if ((long) (a.size() + 1) * (b.size() + 1) > MAX_CELLS) {
            a.forEach(line -> edits.add(new Edit(Kind.REMOVED, line)));
            b.forEach(line -> edits.add(new Edit(Kind.ADDED, line)));
            return edits;
        }
        // common[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
        int[][] common = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                common[i][j] = a.get(i).equals(b.get(j)) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                edits.add(new Edit(Kind.SAME, a.get(i++)));
                j++;
            } else if (j == b.size() || (i < a.size() && common[i + 1][j] >= common[i][j + 1])) {
                edits.add(new Edit(Kind.REMOVED, a.get(i++)));
            } else {
                edits.add(new Edit(Kind.ADDED, b.get(j++)));
            }
        }
        return edits;
    }
}
