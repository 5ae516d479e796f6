package dev.jrnn.tensor.internal;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The process-wide pool of compute workers used to split large GEMMs across cores.
 *
 * <p>Parts are claimed from a shared counter by the caller and the workers alike, so a worker that
 * is slow to wake (a busy machine) only means the caller runs more parts itself.
 *
 * <p>A hand-off costs a volatile write (plus an {@code unpark} when the worker had gone to sleep):
 * workers spin on {@link Thread#onSpinWait()} for up to {@value #SPIN_NANOS} ns after their last
 * task, then park. This keeps back-to-back calls (one GEMM per RNN time step) in the microsecond
 * range, where an {@code ExecutorService} hand-off costs tens of microseconds.
 *
 * <p>Workers are daemon threads, so they never keep the JVM alive; an exception thrown by a task is
 * caught in the worker, which survives, and rethrown in the calling thread.
 *
 * <p>One parallel region runs at a time. A caller that finds the pool busy, or a worker that calls
 * back into the pool, runs all parts itself: results are the same, only slower.
 *
 * <p>Thread-safe.
 */
public final class WorkerPool {

    /** System property giving the default thread count; defaults to the number of processors. */
    public static final String THREADS_PROPERTY = "jrnn.threads";

    /** How long an idle worker spins before parking, in nanoseconds. */
    public static final long SPIN_NANOS = 200_000L;

    /** A body run once per part; part 0 runs in the calling thread. */
    public interface Task {
        /** Runs part {@code part} of {@code parts}. */
        void run(int part);
    }

    private static volatile int parallelism = defaultParallelism();

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /** {@code (generation << 32) | next unclaimed part} of the current parallel region. */
    private static final AtomicLong TICKET = new AtomicLong();
    /** Parts of the current region that have finished. */
    private static final AtomicInteger DONE = new AtomicInteger();
    private static final Object GROW_LOCK = new Object();
    private static volatile Worker[] workers = new Worker[0];
    private static volatile Task task;
    private static volatile int parts;
    private static volatile Throwable failure;

    private WorkerPool() {
    }

    /** {@return the number of threads (the caller included) a parallel region may use} */
    public static int parallelism() {
        return parallelism;
    }

    /**
     * Sets the number of threads (the caller included) a parallel region may use.
     *
     * @param threads at least 1
     */
    public static void setParallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        parallelism = threads;
    }

    /**
     * Runs {@code task.run(p)} for every {@code p} in {@code [0, parts)}, part 0 in the calling thread
     * and the others in workers, and returns when all are done.
     *
     * @param task the body, called concurrently from {@code parts} threads
     * @param parts number of parts, at least 1
     * @throws RuntimeException or Error the first failure of any part, rethrown here
     */
    public static void invoke(Task task, int parts) {
        if (parts <= 1 || Thread.currentThread() instanceof Worker || !BUSY.compareAndSet(false, true)) {
            for (int p = 0; p < parts; p++) {
                task.run(p);
            }
            return;
        }
        try {
            Worker[] ws = ensureWorkers(parts - 1);
            WorkerPool.task = task;
            WorkerPool.parts = parts;
            failure = null;
            DONE.set(0);
            long gen = (TICKET.get() >>> 32) + 1;
            TICKET.set(gen << 32); // publish: workers wake up and claim parts
            for (int w = 0; w < parts - 1; w++) {
                if (ws[w].parked) {
                    LockSupport.unpark(ws[w]);
                }
            }
            runParts(gen);
            long spins = 0;
            while (DONE.get() < parts) {
                if (++spins < 1_000_000L) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            WorkerPool.task = null;
            Throwable t = failure;
            failure = null;
            if (t instanceof RuntimeException) {
                throw (RuntimeException) t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
            if (t != null) {
                throw new IllegalStateException("worker failed", t);
            }
        } finally {
            BUSY.set(false);
        }
    }

    /**
     * Claims and runs parts of region {@code gen} until none is left. Parts are claimed, not
     * assigned, so a worker that the OS has not scheduled yet never delays the caller: whoever is
     * running takes its part. Which thread runs a part never changes the result.
     */
    private static void runParts(long gen) {
        while (true) {
            long s = TICKET.get();
            int p = (int) s;
            if ((s >>> 32) != gen || p >= parts) {
                return;
            }
            if (!TICKET.compareAndSet(s, s + 1)) {
                continue;
            }
            try {
                task.run(p); // read after the claim: the region cannot have ended while p was unclaimed
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            } finally {
                DONE.incrementAndGet();
            }
        }
    }

    private static Worker[] ensureWorkers(int count) {
        Worker[] ws = workers;
        if (ws.length >= count) {
            return ws;
        }
        synchronized (GROW_LOCK) {
            ws = workers;
            if (ws.length < count) {
                Worker[] grown = java.util.Arrays.copyOf(ws, count);
                for (int i = ws.length; i < count; i++) {
                    grown[i] = new Worker(i + 1);
                    grown[i].start();
                }
                workers = grown;
                ws = grown;
            }
            return ws;
        }
    }

    private static int defaultParallelism() {
        String p = System.getProperty(THREADS_PROPERTY);
        if (p == null || p.isBlank()) {
            return Math.max(1, Runtime.getRuntime().availableProcessors());
        }
        try {
            int n = Integer.parseInt(p.trim().toLowerCase(Locale.ROOT));
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("-D" + THREADS_PROPERTY + " must be an integer >= 1, got '" + p + "'");
    }

    /** A daemon worker: spins, then parks, waiting for the next region. */
    private static final class Worker extends Thread {
        private volatile boolean parked;

        Worker(int index) {
            super("jrnn-gemm-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = TICKET.get() >>> 32;
            while (true) {
                long begin = System.nanoTime();
                int spins = 0;
                long gen;
                while ((gen = TICKET.get() >>> 32) == seen) {
                    if ((++spins & 0xff) != 0 || System.nanoTime() - begin < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (TICKET.get() >>> 32 == seen) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                seen = gen;
                runParts(gen);
            }
        }
    }
}
