package io.tandem.core.config;

/** The {@code defaults} block, inherited by every frontend and backend that does not set its own. */
public record DefaultsConfig(Timeouts timeout, ForwardFor forwardfor, int retries) {
}
