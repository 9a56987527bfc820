/** The L4 tier: TCP and UDP services balanced over servers, PROXY protocol towards them. */
package io.tandem.l4;
