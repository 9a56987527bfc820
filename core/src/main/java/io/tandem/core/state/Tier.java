package io.tandem.core.state;

/**
 * The tier a piece of runtime state belongs to. Keys are qualified by it, so an L4 service and an L7 backend of the
 * same name never share a server, a pool or a counter.
 */
public enum Tier {
    /** L7 backends and frontends ({@code backend/server}, {@code frontend/NAME} tables). */
    L7,
    /** L4 services ({@code service/server}). */
    L4
}
