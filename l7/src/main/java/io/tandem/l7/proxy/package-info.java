/**
 * The HTTP/1.1 reverse proxy: listeners per frontend bind, client connections with keep-alive and pipelining,
 * one exchange per request (rules, routing, server choice by cookie, stick-on or balancer, the {@code maxconn} queue,
 * retries, streamed bodies, timeouts), pooled server connections, upgrade tunnels, and the {@code httplog}-style
 * access-log line. Everything here runs on the event loops and never blocks.
 */
package io.tandem.l7.proxy;
