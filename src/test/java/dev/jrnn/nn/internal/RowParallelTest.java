package dev.jrnn.nn.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.tensor.Threads;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The split policy of {@link RowParallel}, and that a split covers every row exactly once. */
class RowParallelTest {

    private static final long MIN = RowParallel.PARALLEL_MIN_WORK;

    private int before;

    @BeforeEach
    void remember() {
        before = Threads.count();
    }

    @AfterEach
    void restore() {
        Threads.setCount(before);
    }

    @Test
    void smallStepsAndOneThreadStayInTheCallingThread() {
        Threads.setCount(2);
        assertThat(RowParallel.parts(64, (MIN - 1) / 64)).isEqualTo(1);
        assertThat(RowParallel.parts(1, 10 * MIN)).as("one row").isEqualTo(1);
        assertThat(RowParallel.parts(0, MIN)).as("no rows").isEqualTo(1);
        Threads.setCount(1);
        assertThat(RowParallel.parts(64, MIN)).isEqualTo(1);
    }

    @Test
    void bigStepsUseTheThreadsThatGetHalfTheMinimumEach() {
        Threads.setCount(2);
        assertThat(RowParallel.parts(64, MIN / 64)).isEqualTo(2);
        Threads.setCount(8);
        assertThat(RowParallel.parts(64, MIN / 64)).as("2^14 units: two halves").isEqualTo(2);
        assertThat(RowParallel.parts(64, 3 * MIN / 64)).isEqualTo(6);
        assertThat(RowParallel.parts(64, 100 * MIN)).isEqualTo(8);
        assertThat(RowParallel.parts(3, 100 * MIN)).as("no more parts than rows").isEqualTo(3);
    }

    @Test
    void aSplitRunsEveryRowOnce() {
        Threads.setCount(3);
        int rows = 1000;
        AtomicIntegerArray seen = new AtomicIntegerArray(rows);
        RowParallel body = new RowParallel() {
            @Override
            protected void rows(int from, int to) {
                for (int r = from; r < to; r++) {
                    seen.incrementAndGet(r);
                }
            }
        };
        int parts = RowParallel.parts(rows, MIN);
        assertThat(parts).isEqualTo(3);
        body.invoke(rows, parts);
        for (int r = 0; r < rows; r++) {
            assertThat(seen.get(r)).as("row " + r).isEqualTo(1);
        }
    }
}
