/** Active health checks (TCP and HTTP) on the shared event loops, turning check results into server states. */
package io.tandem.core.health;
