/**
 * Operator log lines for events that can repeat thousands of times a second (failed connects, refused PROXY
 * headers, failed accepts): one line at once, then one per quiet period with the count of the ones left out.
 */
package io.tandem.core.log;
