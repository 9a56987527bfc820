/**
 * HAProxy's ACL language, compiled at config time: the line splitter, sample fetches ({@code path}, {@code hdr()},
 * {@code src}, stick-counter fetches, ...), match methods and flags, predefined ACLs, and {@code if}/{@code unless}
 * conditions. Everything a match needs (lower-cased patterns, regexes, ranges) is prepared once, at compile time.
 */
package io.tandem.l7.acl;
