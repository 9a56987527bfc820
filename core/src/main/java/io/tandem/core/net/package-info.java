/** Event-loop resources shared by the L4 and L7 tiers, and the timing helpers their I/O uses. */
package io.tandem.core.net;
