package dev.jrnn.bench;

import dev.jrnn.tensor.Gemm;
import dev.jrnn.tensor.PackedMatrix;
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
 * {@code C = A·Wᵀ} with {@code A (M, K)} and {@code W (N, K)} in torch weight layout, on the GEMM
 * shapes of {@code configs.md}, through the public facade: the unpacked path
 * ({@link Gemm#gemm(boolean, boolean, float, Tensor, Tensor, float, Tensor)} with transB) and the
 * pre-packed path ({@link Gemm#gemm(float, Tensor, PackedMatrix, float, Tensor)}).
 *
 * <p>The kernel path is chosen by the fork's JVM flags: add
 * {@code -jvmArgsAppend "--add-modules jdk.incubator.vector"} for the Vector API kernel, or
 * {@code -Djrnn.simd=scalar} to force the scalar one. Time is per GEMM; convert with
 * {@link Flops#gflops(String, double)}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class GemmBench {

    /** {@code MxNxK}. */
    @Param({"64x512x1024", "64x512x512", "64x2048x512", "16x1760x1760", "1024x1024x1024", "1x128x128"})
    public String shape;

    /** Threads the GEMM may use ({@link Threads#setCount(int)}). */
    @Param({"1", "2"})
    public int threads;

    private Tensor a;        // (M, K)
    private Tensor w;        // (N, K) torch weight layout
    private PackedMatrix pw; // wᵀ packed, (K, N)
    private Tensor c;        // (M, N)

    @Setup(Level.Trial)
    public void setup() {
        int[] s = Flops.parse(shape);
        Threads.setCount(threads);
        SplittableRandom rng = new SplittableRandom(42);
        a = random(rng, s[0], s[2]);
        w = random(rng, s[1], s[2]);
        c = Tensor.zeros(s[0], s[1]);
        pw = PackedMatrix.ofTransposed(w);
    }

    /** {@return a {@code (rows, cols)} tensor of uniform values in [-0.5, 0.5)} */
    static Tensor random(SplittableRandom rng, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextDouble() - 0.5);
        }
        return Tensor.of(v, rows, cols);
    }

    /** {@code C = A·Wᵀ}, packing W inside the call. */
    @Benchmark
    public Tensor unpacked() {
        return Gemm.gemm(false, true, 1f, a, w, 0f, c);
    }

    /** {@code C = A·Wᵀ} with W packed once in setup (the RNN time-step case). */
    @Benchmark
    public Tensor packed() {
        return Gemm.gemm(1f, a, pw, 0f, c);
    }
}
