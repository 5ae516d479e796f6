package dev.jrnn.tensor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * {@link WorkerPool}'s contract: every part of a region runs exactly once, and all have finished when
 * {@link WorkerPool#invoke} returns. The kernels rely on it: a GEMM part that accumulates into C
 * ({@code beta = 1}) or a step's in-place gate math run twice gives a silently wrong result.
 */
class WorkerPoolTest {

    /**
     * Back-to-back regions whose part counts go up and down, as a machine with more than two cores
     * produces (a GEMM split three ways, then a gate step split over two rows). A worker still
     * finishing one region must not claim a part of the next one before it is published. The pool
     * before the claim word held the slot count ran part {@code n} of an {@code n}-part region's
     * successor twice, or returned before one had run, in one region of 8,000 to 22,000 on 2 cores.
     */
    @Test
    void everyPartRunsExactlyOnceWhenPartCountsChange() {
        int[] sizes = {2, 5, 3, 4, 2, 3, 6, 2};
        AtomicIntegerArray runs = new AtomicIntegerArray(8);
        List<String> wrong = new ArrayList<>();
        for (int r = 0; r < 400_000 && wrong.size() < 10; r++) {
            int parts = sizes[r % sizes.length];
            for (int p = 0; p < 8; p++) {
                runs.set(p, 0);
            }
            WorkerPool.invoke(runs::incrementAndGet, parts);
            for (int p = 0; p < 8; p++) {
                int want = p < parts ? 1 : 0;
                if (runs.get(p) != want) {
                    wrong.add("region " + r + " of " + parts + " parts: part " + p + " ran " + runs.get(p) + " times");
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    /** More parts than slots: each slot runs every {@code MAX_SLOTS}-th part, still each exactly once. */
    @Test
    void regionsWiderThanTheSlotsRunEveryPartOnce() {
        for (int parts : new int[] {WorkerPool.MAX_SLOTS - 1, WorkerPool.MAX_SLOTS, WorkerPool.MAX_SLOTS + 1, 100}) {
            AtomicIntegerArray runs = new AtomicIntegerArray(parts);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            for (int r = 0; r < 20; r++) {
                WorkerPool.invoke(p -> {
                    runs.incrementAndGet(p);
                    threads.add(Thread.currentThread());
                }, parts);
            }
            for (int p = 0; p < parts; p++) {
                assertThat(runs.get(p)).as("part %d of %d", p, parts).isEqualTo(20);
            }
            assertThat(threads.size()).as("threads of a %d-part region", parts).isBetween(1, WorkerPool.MAX_SLOTS);
        }
    }

    /** A failing part is rethrown to the caller, and every other part, in its slot too, still runs. */
    @Test
    void aFailingPartStopsNoOtherPart() {
        int parts = 2 * WorkerPool.MAX_SLOTS + 5;
        AtomicIntegerArray runs = new AtomicIntegerArray(parts);
        assertThatThrownBy(() -> WorkerPool.invoke(p -> {
            runs.incrementAndGet(p);
            if (p == 3) {
                throw new IllegalStateException("part 3 failed");
            }
        }, parts)).isInstanceOf(IllegalStateException.class).hasMessage("part 3 failed");
        for (int p = 0; p < parts; p++) {
            assertThat(runs.get(p)).as("part %d", p).isEqualTo(1);
        }
    }
}
