package io.tandem.core.config;

/** A backend's {@code cookie NAME insert [indirect] [nocache] [httponly] [secure]} persistence cookie. */
public record CookieConfig(String name, boolean indirect, boolean nocache, boolean httponly, boolean secure) {
}
