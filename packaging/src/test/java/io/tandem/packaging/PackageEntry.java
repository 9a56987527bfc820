package io.tandem.packaging;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** One file, directory or link in a built package, as {@code dpkg-deb -c} or {@code rpm -qp} lists it. */
record PackageEntry(String perms, String owner, String path, String linkTarget) {
    /** Where the .deb puts units (/lib, for Debian 12) and where the .rpm puts them. */
    private static final String DEB_UNITS = "/lib/systemd/system/";
    private static final String RPM_UNITS = "/usr/lib/systemd/system/";

    boolean isDirectory() {
        return perms.startsWith("d");
    }

    /** The .deb's entries by path, with its unit directory written as the .rpm's so that the two compare. */
    static Map<String, PackageEntry> ofDeb(Path deb) throws Exception {
        Map<String, PackageEntry> entries = new TreeMap<>();
        for (String line : Tool.run("dpkg-deb", "-c", deb.toString()).split("\n")) {
            // -rw-r--r-- root/root   35126 2026-12-03 08:33 ./usr/share/tandem/lib/asm.jar [-> target]
            String[] fields = line.trim().split("\\s+", 6);
            String[] name = fields[5].split(" -> ", 2);
            String path = name[0].replaceFirst("^\\./", "/").replaceFirst("(.)/$", "$1");
            if (path.startsWith(DEB_UNITS)) {
                path = RPM_UNITS + path.substring(DEB_UNITS.length());
            }
            entries.put(path, new PackageEntry(fields[0], fields[1], path, name.length > 1 ? name[1] : ""));
        }
        return entries;
    }

    /** The .rpm's entries by path. */
    static Map<String, PackageEntry> ofRpm(Path rpm) throws Exception {
        Map<String, PackageEntry> entries = new TreeMap<>();
        String format = "[%{FILEMODES:perms}\\t%{FILEUSERNAME}/%{FILEGROUPNAME}\\t%{FILENAMES}\\t%{FILELINKTOS}\\n]";
        for (String line : Tool.run("rpm", "-qp", "--qf", format, rpm.toString()).split("\n")) {
            String[] fields = line.split("\t", -1);
            entries.put(fields[2], new PackageEntry(fields[0], fields[1], fields[2], fields[3]));
        }
        return entries;
    }
}
