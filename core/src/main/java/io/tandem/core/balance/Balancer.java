package io.tandem.core.balance;

import java.util.Set;

/**
 * Picks a server for a request. One implementation per algorithm; implementations are thread-safe because
 * every event loop picks from the same pool. Only usable servers are picked; backup servers only when no
 * active server is usable.
 */
public interface Balancer {

    /**
     * The server for this request, or null when no usable server is left.
     *
     * @param hashKey  the request's key for hashing algorithms (client address, URI, header value); null
     *                 otherwise or when the request has no such key (then the algorithm falls back to
     *                 round robin, as HAProxy does)
     * @param excluded servers already tried for this request (retries go elsewhere); may be empty
     */
    Server select(String hashKey, Set<Server> excluded);
}
