/**
 * The reverse proxy: listeners per frontend bind, HTTP/1.1 client connections with keep-alive and pipelining,
 * one exchange per request whatever protocol carries it (rules, routing, server choice by cookie, stick-on or
 * balancer, the {@code maxconn} queue, retries, streamed bodies, timeouts) between a downstream (the client side)
 * and an upstream connector (pooled HTTP/1.1 server connections), upgrade tunnels, and the {@code httplog}-style
 * access-log line. Everything here runs on the event loops and never blocks.
 */
package io.tandem.l7.proxy;
