package dev.dualtrack.proxy.relay;

import dev.dualtrack.scanner.Verdict;
import java.nio.ByteBuffer;

/**
 * The relay's inspection SPI: a push parser with bounded state, fed the body in order.
 *
 * <pre>{@code
 * Inspector i = new MyInspector();
 * for (ByteBuffer chunk : body) if (i.feed(chunk) == Status.BLOCKED) break;
 * Verdict v = i.finish();
 * }</pre>
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #feed} <b>borrows</b> a read-only view of the bytes: read it during the call and keep no
 *       reference. Chunk boundaries are arbitrary; the verdict must not depend on them.</li>
 *   <li>{@code feed} returns {@code BLOCKED} when blocks were found since the last time it did; the relay asks for
 *       them with {@link #newBlocks} and judges each on its own. When policy lets all of them through (warn,
 *       monitor, a waiver for their rules), the relay goes on feeding: inspection never stops at a finding that
 *       was let through, so a later finding of another rule is judged too (docs/policy.md).</li>
 *   <li>{@link #finish} is called only when every byte was fed; a truncated body never gets a verdict. It runs on
 *       the event loop unless {@link #finishReadsFiles} says otherwise; then on a thread of its own, never at the
 *       same time as any other method.</li>
 *   <li>An exception from any method is a block (rule {@code proxy.inspector-error}), never a pass (G3).</li>
 *   <li>{@link #holdFrom} lets a format whose verdict needs later bytes (a zip's central directory) keep every
 *       byte from an offset on until the verdict; the relay honours it up to {@code relay.max-hold}.</li>
 * </ul>
 */
public interface Inspector {

    enum Status { CONTINUE, BLOCKED }

    /** Inspects the next bytes of the body. */
    Status feed(ByteBuffer chunk);

    /** The verdict on the whole body, with every finding. */
    Verdict finish();

    /**
     * The blocks found since the last call, one per finding, after {@code feed} returned {@code BLOCKED}. The
     * default suits an inspector whose {@link #finish} may be asked at any point: the verdict so far.
     */
    default java.util.List<Verdict> newBlocks() {
        Verdict v = finish();
        return v.blocked() ? java.util.List.of(v) : java.util.List.of();
    }

    /** Every finding so far (a refusal mid-body lists them all); empty for inspectors that keep none. */
    default java.util.List<dev.dualtrack.scanner.Finding> findingsSoFar() {
        return java.util.List.of();
    }

    /** The stream offset from which all bytes must be held until {@link #finish}; {@code Long.MAX_VALUE} if none. */
    default long holdFrom() {
        return Long.MAX_VALUE;
    }

    /**
     * Whether {@link #finish} reads files (a format judged from a spooled copy, such as HDF5): the relay then calls
     * it off the event loop. Asked once every byte was fed.
     */
    default boolean finishReadsFiles() {
        return false;
    }

    /** Called when the body will never be finished (blocked, failed, abandoned): release what is held. */
    default void close() {
    }

    /** A name for errors and logs. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Inspects nothing and allows everything; for bodies that policy does not inspect (hash checks still run). */
    static Inspector none() {
        return new Inspector() {
            @Override
            public Status feed(ByteBuffer chunk) {
                return Status.CONTINUE;
            }

            @Override
            public Verdict finish() {
                return Verdict.allow();
            }

            @Override
            public String name() {
                return "none";
            }
        };
    }
}
