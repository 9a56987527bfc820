/**
 * The runtime API: a line protocol on a unix socket, HAProxy's stats-socket style ({@code show stat},
 * {@code disable server app/app-01}, ...), with a JSON form of every command; the socket's access control by
 * peer credentials; and the client {@code tandem ctl} uses. Runs on its own threads, off the event loops.
 */
package io.tandem.appliance.admin;
