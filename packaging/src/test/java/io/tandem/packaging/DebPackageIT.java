package io.tandem.packaging;

import io.tandem.core.testing.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built .deb read back with dpkg-deb and judged by lintian. Installing it is .ci/package-test's job. */
class DebPackageIT {
    static final Path DEB = Path.of(System.getProperty("package.deb", "target/tandem.deb"));
    static final Path DIST = Path.of(System.getProperty("tandem.dist", "../appliance/target/tandem"));

    @BeforeEach
    void requireDpkg() {
        Prerequisites.requireOnPath("dpkg-deb", "dpkg");
        assertTrue(Files.isRegularFile(DEB), DEB + " was not built");
    }

    @Test
    void controlDependsOnJava17AndAdduser() throws Exception {
        String fields = Tool.run("dpkg-deb", "-f", DEB.toString(), "Package", "Version", "Architecture", "Depends");
        assertEquals("""
                Package: tandem
                Version: %s
                Architecture: all
                Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, adduser
                """.formatted(System.getProperty("package.version")), fields);
    }

    @Test
    void configAndLogrotateAreConffiles() throws Exception {
        assertEquals("/etc/tandem/tandem.yaml\n/etc/logrotate.d/tandem\n",
                Tool.run("dpkg-deb", "-I", DEB.toString(), "conffiles"));
    }

    @Test
    void installsTheApplianceTreeUnderUsrShareAndLinksTheLauncher() throws Exception {
        Map<String, PackageEntry> entries = PackageEntry.ofDeb(DEB);
        try (Stream<Path> jars = Files.list(DIST.resolve("lib"))) {
            for (Path jar : jars.toList()) {
                PackageEntry entry = entries.get("/usr/share/tandem/lib/" + jar.getFileName());
                assertTrue(entry != null && entry.perms().equals("-rw-r--r--"), jar.getFileName() + ": " + entry);
            }
        }
        assertEquals("-rwxr-xr-x", entries.get("/usr/share/tandem/bin/tandem").perms());
        assertEquals("../share/tandem/bin/tandem", entries.get("/usr/bin/tandem").linkTarget());
        for (String path : List.of("/etc/tandem/tandem.yaml", "/etc/logrotate.d/tandem",
                "/usr/lib/systemd/system/tandem.service", "/usr/lib/tmpfiles.d/tandem.conf",
                "/usr/lib/sysctl.d/60-tandem.conf", "/usr/share/doc/tandem/copyright")) {
            assertTrue(entries.containsKey(path), path + " is missing from " + entries.keySet());
        }
        assertTrue(entries.values().stream().allMatch(entry -> entry.owner().equals("root/root")), entries.toString());
    }

    @Test
    void lintianFindsNoErrors() throws Exception {
        Prerequisites.requireOnPath("lintian", "lintian");
        Tool.Result result = Tool.exec("lintian", "--fail-on", "error", DEB.toString());
        List<String> errors = result.output().lines().filter(line -> line.startsWith("E: ")).toList();
        assertEquals(List.of(), errors, result.output());
        assertEquals(0, result.exitCode(), result.output());
        // The warnings stay in the build log for the reader: the known ones are listed in the README.
        System.out.println("lintian " + DEB.getFileName() + ":\n" + result.output());
    }
}
