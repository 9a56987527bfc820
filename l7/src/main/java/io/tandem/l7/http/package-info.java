/**
 * The strict HTTP/1.x request decoder of the client side: requests with ambiguous framing, bad characters,
 * oversized heads or a WebSocket handshake without its key are refused with the status the proxy answers (400,
 * 405, 414, 431, 505) rather than passed on.
 */
package io.tandem.l7.http;
