package dev.jrnn.tensor.internal;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The process-wide pool of compute workers used to split large GEMMs across cores.
 *
 * <p>A region's parts go to up to {@value #MAX_SLOTS} slots, and the caller and the workers claim
 * slots from one shared word. Each thread claims its own slot first (the caller slot 0, worker
 * {@code i} slot {@code i}), so part {@code p} runs on the same core from one region to the next while
 * every thread keeps up; then any slot still free. A worker that is slow to wake (a busy machine) only
 * means the caller runs more parts itself.
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

    /** A body run once per part, in any of the region's threads. */
    public interface Task {
        /** Runs part {@code part} of {@code parts}. */
        void run(int part);
    }

    /**
     * Most threads one parallel region runs on: one claim bit each in {@link #TICKET}. A region of more
     * parts gives each thread's slot every {@value}-th part.
     */
    static final int MAX_SLOTS = 32;

    private static final int SLOTS_SHIFT = 32;
    private static final int GEN_SHIFT = 37;
    private static final long GEN_MASK = (1L << (63 - GEN_SHIFT)) - 1;

    private static volatile int parallelism = defaultParallelism();

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /**
     * The current parallel region in one word, so that a claim is checked against all of it at once:
     * bits 37–62 its generation, bits 32–36 its slot count minus one, bits 0–31 the slots claimed so far.
     * A worker still finishing the previous region can therefore never claim a slot of a region it has
     * not seen, nor one past the slot count of the region it has.
     */
    private static final AtomicLong TICKET = new AtomicLong();
    /** Slots of the current region that have finished. */
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
     * Runs {@code task.run(p)} exactly once for every {@code p} in {@code [0, parts)}, in the calling
     * thread and in workers (at most {@value #MAX_SLOTS} threads), and returns when all are done. Part
     * {@code p} normally runs in the same thread every time (part 0 in the caller), so that consecutive
     * regions split alike find their data in the same core's cache.
     *
     * @param task the body, called concurrently from up to {@code min(parts, MAX_SLOTS)} threads
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
        invokeParallel(task, parts);
    }

    /** {@link #invoke} once this thread holds {@link #BUSY}; releases it. */
    private static void invokeParallel(Task task, int parts) {
        try {
            int slots = Math.min(parts, MAX_SLOTS);
            Worker[] ws = ensureWorkers(slots - 1);
            WorkerPool.task = task;
            WorkerPool.parts = parts;
            failure = null;
            DONE.set(0);
            long gen = ((TICKET.get() >>> GEN_SHIFT) + 1) & GEN_MASK;
            TICKET.set(gen << GEN_SHIFT | (long) (slots - 1) << SLOTS_SHIFT); // publish: workers claim slots
            for (int w = 0; w < slots - 1; w++) {
                if (ws[w].parked) {
                    LockSupport.unpark(ws[w]);
                }
            }
            runSlots(gen, 0);
            long spins = 0;
            while (DONE.get() < slots) {
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
     * Claims and runs slots of region {@code gen} until none is left; slot {@code q} is parts
     * {@code q, q + MAX_SLOTS, ...}. A thread first claims its own slot ({@code self}: 0 for the caller, a
     * worker's index for a worker), so a part lands on the same core from one region to the next and
     * each core keeps its share of a pre-packed B in its own cache. Then it claims any slot left: a
     * worker that the OS has not scheduled yet never delays the caller, whoever is running takes its
     * slot. Which thread runs a part never changes the result.
     */
    private static void runSlots(long gen, int self) {
        while (true) {
            long s = TICKET.get();
            if (s >>> GEN_SHIFT != gen) {
                return;
            }
            int slots = (int) (s >>> SLOTS_SHIFT & (MAX_SLOTS - 1)) + 1;
            int free = ~(int) s & (int) ((1L << slots) - 1);
            if (free == 0) {
                return;
            }
            int q = self < slots && (free & 1 << self) != 0 ? self : Integer.numberOfTrailingZeros(free);
            if (!TICKET.compareAndSet(s, s | 1L << q)) {
                continue;
            }
            // read after the claim: the region cannot end while slot q is unfinished
            Task t = task;
            int n = parts;
            for (int p = q; p < n; p += MAX_SLOTS) {
                try {
                    t.run(p);
                } catch (Throwable e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
            DONE.incrementAndGet();
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

        /** This worker's own slot, 1 and up (the caller's is 0). */
        private final int index;

        Worker(int index) {
            super("jrnn-gemm-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = TICKET.get() >>> GEN_SHIFT;
            while (true) {
                long begin = System.nanoTime();
                int spins = 0;
                long gen;
                while ((gen = TICKET.get() >>> GEN_SHIFT) == seen) {
                    if ((++spins & 0xff) != 0 || System.nanoTime() - begin < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (TICKET.get() >>> GEN_SHIFT == seen) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                seen = gen;
                runSlots(gen, index);
            }
        }
    }
}
