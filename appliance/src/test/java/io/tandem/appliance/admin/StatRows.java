package io.tandem.appliance.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code show stat}'s CSV as tests read it: rows by {@code pxname/svname}, each cell by its column's name. */
final class StatRows {
    private StatRows() {
    }

    /** The rows of {@code csv} (Tandem's or HAProxy's; HAProxy's stats-module columns, from its "-" on, dropped). */
    static Map<String, Map<String, String>> of(String csv) {
        List<String> lines = csv.lines().filter(line -> !line.isEmpty()).toList();
        String[] header = lines.get(0).substring(2).split(",", -1);
        Map<String, Map<String, String>> rows = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length && i < cells.length; i++) {
                if (header[i].equals("-")) {
                    break;
                }
                row.put(header[i], cells[i]);
            }
            rows.put(cells[0] + "/" + cells[1], row);
        }
        return rows;
    }
}
