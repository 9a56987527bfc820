/**
 * Response compression as HAProxy's {@code compression algo|type|offload}: which algorithm a request's
 * Accept-Encoding selects, which responses may be compressed, and the streaming encoder of their bodies.
 */
package io.tandem.l7.compress;
