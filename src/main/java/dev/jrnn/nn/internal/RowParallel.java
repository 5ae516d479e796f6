package dev.jrnn.nn.internal;

import dev.jrnn.tensor.internal.WorkerPool;

/**
 * A reusable body of per-row work (a time step's gate math over the batch rows) that splits its rows
 * across the {@link WorkerPool} when the step is big enough to pay for the hand-off, and otherwise runs
 * in the calling thread.
 *
 * <p>Subclasses keep a split step's arguments in fields, set before {@link #invoke}, so a step
 * allocates nothing. The rows are independent (each row's math reads and writes only its own slices),
 * so the split never changes a bit: 1-thread and 2-thread results are identical.
 *
 * <p>Not thread-safe: one instance per running forward or backward.
 */
public abstract class RowParallel implements WorkerPool.Task {

    /**
     * The least work, in {@link #parts work units} (about one element of a plain activation
     * each, roughly 4 cycles), that is split across threads: about 16 µs of serial work, so that the
     * hand-off to a spinning worker (0.25–0.6 µs) is noise, and a worker woken from park (16–55 µs) is
     * rare: the GEMM before the gate math has kept it spinning whenever the step is this large.
     */
    public static final long PARALLEL_MIN_WORK = 1L << 14;

    private int rows;
    private int parts;

    /** Runs rows {@code [from, to)} from the fields the subclass set; called from one or more threads, with disjoint ranges. */
    protected abstract void rows(int from, int to);

    /**
     * {@return how many threads {@code rows} rows of {@code workPerRow} each should be split across} 1 (the
     * calling thread alone) unless {@code rows · workPerRow ≥} {@link #PARALLEL_MIN_WORK} and the pool
     * allows more than one thread; then as many threads as the pool allows, but no more than there are
     * rows and no more than leave each thread half of {@link #PARALLEL_MIN_WORK}.
     *
     * @param rows the number of rows, at least 0
     * @param workPerRow the cost of one row in work units (elements × a per-element weight)
     */
    public static int parts(int rows, long workPerRow) {
        long work = rows * workPerRow;
        if (work < PARALLEL_MIN_WORK) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Math.min(rows, WorkerPool.parallelism()), work / (PARALLEL_MIN_WORK / 2)));
    }

    /**
     * Runs {@link #rows} over {@code [0, rows)} in {@code parts} contiguous ranges, one per thread, and
     * returns when all are done. A subclass calls this only for a split ({@link #parts} above 1) and runs a
     * serial step directly, without storing its arguments in fields: storing them on every step made the
     * tiny row's forward about 6 % slower (likely the GC write barrier of each reference store into a
     * long-lived object).
     */
    protected final void invoke(int rows, int parts) {
        this.rows = rows;
        this.parts = parts;
        WorkerPool.invoke(this, parts);
    }

    /** The pool's entry point: part {@code part} of the current split. */
    @Override
    public final void run(int part) {
        rows((int) ((long) rows * part / parts), (int) ((long) rows * (part + 1) / parts));
    }
}
