/**
 * The proxy engine shared by both tracks: the Netty HTTP/1.1 server ({@code server}), the pooled upstream
 * client ({@code upstream}), the streaming relay that hashes, inspects and holds back the tail of every body
 * ({@code relay}), the content-addressed cache ({@code cache}), and metrics and the audit log ({@code ops}).
 *
 * <h2>ByteBuf ownership</h2>
 * Every method that receives a {@code ByteBuf} says in its javadoc whether it <em>takes</em> it (and must release
 * or pass it on) or <em>borrows</em> it (reads during the call, keeps no reference). Inspectors only ever see
 * read-only {@code ByteBuffer} views and never own anything. To forward part of a buffer we use
 * {@code readRetainedSlice}, never {@code readBytes(int)}.
 */
package dev.dualtrack.proxy;
