package io.tandem.appliance;

/** The version this build carries, from the jar manifest (set by Maven), or "dev" when run from classes. */
final class Version {
    private Version() {
    }

    static String text() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }
}
