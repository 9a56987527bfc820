package io.tandem.packaging;

import io.tandem.core.testing.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built .rpm read back with rpm: metadata, files, config flags, scriptlets and dependencies. */
class RpmPackageIT {
    private static final Path RPM = Path.of(System.getProperty("package.rpm", "target/tandem.rpm"));

    @BeforeEach
    void requireRpm() {
        Prerequisites.requireOnPath("rpm", "rpm");
        assertTrue(Files.isRegularFile(RPM), RPM + " was not built");
    }

    @Test
    void metadataNamesTandemItsVersionAndLicence() throws Exception {
        String info = Tool.run("rpm", "-qip", RPM.toString());
        for (String field : List.of("Name        : tandem", "Version     : " + System.getProperty("package.version"),
                "Release     : 1", "Architecture: noarch", "Signature   : (none)")) {
            assertTrue(info.lines().anyMatch(line -> line.equals(field)), field + " missing from:\n" + info);
        }
    }

    @Test
    void requiresJava17TheUserToolsAndSystemd() throws Exception {
        List<String> requires = Tool.run("rpm", "-qpR", RPM.toString()).lines().toList();
        for (String require : List.of("java-headless >= 1:17", "shadow-utils", "systemd",
                "rpmlib(TildeInVersions) <= 4.10.0-1")) {
            assertTrue(requires.contains(require), require + " missing from " + requires);
        }
    }

    @Test
    void installsTheSameFilesWithTheSameModesAsTheDeb() throws Exception {
        Prerequisites.requireOnPath("dpkg-deb", "dpkg");
        assertEquals(filesOnly(PackageEntry.ofDeb(DebPackageIT.DEB)), filesOnly(PackageEntry.ofRpm(RPM)));
    }

    @Test
    void editedConfigIsKeptOnUpgrade() throws Exception {
        // c = %config, n = noreplace: an upgrade leaves an edited file alone and writes the new one as .rpmnew.
        String flags = Tool.run("rpm", "-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\\n]", RPM.toString());
        List<String> config = flags.lines().filter(line -> line.startsWith("cn ")).toList();
        assertEquals(List.of("cn /etc/logrotate.d/tandem", "cn /etc/tandem/tandem.yaml"), config, flags);
    }

    @Test
    void scriptletsAddTheUserPresetTheUnitAndRestartItOnUpgrade() throws Exception {
        Map<String, String> scripts = new TreeMap<>();
        for (String tag : List.of("PREIN", "POSTIN", "PREUN", "POSTUN")) {
            String script = Tool.run("rpm", "-qp", "--qf", "%{" + tag + "}", RPM.toString());
            Path file = Files.writeString(Files.createTempFile("tandem-" + tag, ".sh"), script);
            try {
                Tool.run("sh", "-n", file.toString());
            } finally {
                Files.delete(file);
            }
            scripts.put(tag, script);
        }
        assertTrue(scripts.get("PREIN").contains("useradd -r -g tandem"), scripts.get("PREIN"));
        assertTrue(scripts.get("POSTIN").contains("systemctl --no-reload preset tandem.service"),
                scripts.get("POSTIN"));
        assertTrue(scripts.get("POSTIN").contains("systemd-tmpfiles --create /usr/lib/tmpfiles.d/tandem.conf"),
                scripts.get("POSTIN"));
        assertTrue(scripts.get("PREUN").contains("disable --now tandem.service"), scripts.get("PREUN"));
        assertTrue(scripts.get("POSTUN").contains("systemctl try-restart tandem.service"), scripts.get("POSTUN"));
    }

    private static Map<String, PackageEntry> filesOnly(Map<String, PackageEntry> entries) {
        Map<String, PackageEntry> files = new TreeMap<>(entries);
        files.values().removeIf(PackageEntry::isDirectory);
        return files;
    }
}
