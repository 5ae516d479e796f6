package dev.jrnn.bench;

import dev.jrnn.tensor.Gemm;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.Threads;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The weight-gradient product of a training step, {@code dW = dAᵀ·X} with {@code dA (K, M)} (the
 * gate gradients of all {@code K = L·N} rows) and {@code X (K, N)} (the layer input or the previous
 * states), through {@link Gemm#gemm(boolean, boolean, float, Tensor, Tensor, float, Tensor)} with
 * transA. Shapes {@code MxNxK}: deepbench1760's {@code dW_ih} and the 512-wide rows' {@code dW}
 * (L·N = 3200). Not part of the comparison scripts (torch has no separate call for it); used to tune
 * the K blocking (docs/design-notes.md, "KC revisited"). Flags as for {@link GemmBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class WeightGradBench {

    /** {@code MxNxK}: {@code dW (M, N)}, K rows summed over. */
    @Param({"1760x1760x400", "512x512x3200"})
    public String shape;

    /** 0: {@code dW} overwritten; 1: accumulated into, as a training step adds into {@code grad()}. */
    @Param({"0", "1"})
    public float beta;

    /** Threads the GEMM may use ({@link Threads#setCount(int)}). */
    @Param({"1", "2"})
    public int threads;

    private Tensor dA;  // (K, M)
    private Tensor x;   // (K, N)
    private Tensor dW;  // (M, N)

    @Setup(Level.Trial)
    public void setup() {
        int[] s = Flops.parse(shape);
        Threads.setCount(threads);
        SplittableRandom rng = new SplittableRandom(42);
        dA = GemmBench.random(rng, s[2], s[0]);
        x = GemmBench.random(rng, s[2], s[1]);
        dW = Tensor.zeros(s[0], s[1]);
    }

    /** {@code dW = dAᵀ·X}. */
    @Benchmark
    public Tensor gradient() {
        return Gemm.gemm(true, false, 1f, dA, x, beta, dW);
    }
}
