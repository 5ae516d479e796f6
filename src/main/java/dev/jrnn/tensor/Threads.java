package dev.jrnn.tensor;

import dev.jrnn.tensor.internal.WorkerPool;

/**
 * The number of threads jrnn's compute kernels may use: the GEMMs, and the recurrent layers' per-step
 * gate math over the batch rows.
 *
 * <p>Defaults to the system property {@value dev.jrnn.tensor.internal.WorkerPool#THREADS_PROPERTY}
 * when set, else {@link Runtime#availableProcessors()}. Small products and small steps always run in the
 * calling thread. Results do not depend on the thread count: they are bitwise identical for 1 and N
 * threads. One parallel region (a GEMM, a step's gate math) runs on at most 32 threads, however large
 * the count.
 *
 * <p>The workers are daemon threads (they never keep the JVM alive) that spin briefly after each
 * task and then park. Thread-safe.
 */
public final class Threads {

    private Threads() {
    }

    /** {@return the number of threads, the calling thread included, a kernel may use} */
    public static int count() {
        return WorkerPool.parallelism();
    }

    /**
     * Sets the number of threads, the calling thread included, that kernels may use from now on.
     *
     * @param threads at least 1; 1 makes every kernel run in the calling thread
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static void setCount(int threads) {
        WorkerPool.setParallelism(threads);
    }
}
