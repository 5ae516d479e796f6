package dev.jrnn.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's single-core float32 FMA ceiling as the Vector API reaches it: twelve independent
 * 16-lane FMA chains with no memory traffic, {@value #STEPS} steps per call (so {@code 12 · 16 · 2 ·}
 * {@value #STEPS} flops). GFLOP/s = {@code 384 · STEPS / (ns per call)}. This is the "100 %" against which
 * the GEMM kernel and the RNN rows are judged in {@code docs/design-notes.md}; it needs
 * {@code -jvmArgsAppend "--add-modules jdk.incubator.vector"} and a 512-bit preferred species.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class FmaPeakBench {

    /** FMA steps of each of the twelve chains per call. */
    public static final int STEPS = 100_000;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

    private final float[] x = filled(0.999f);
    private final float[] y = filled(1.0001f);

    private static float[] filled(float v) {
        float[] a = new float[16];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** {@return the sum of the chains (kept so the loop is not removed)} */
    @Benchmark
    public float fmaChains() {
        FloatVector a = FloatVector.fromArray(S, x, 0);
        FloatVector b = FloatVector.fromArray(S, y, 0);
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0,
                c11 = c0;
        for (int i = 0; i < STEPS; i++) {
            c0 = a.fma(b, c0);
            c1 = a.fma(b, c1);
            c2 = a.fma(b, c2);
            c3 = a.fma(b, c3);
            c4 = a.fma(b, c4);
            c5 = a.fma(b, c5);
            c6 = a.fma(b, c6);
            c7 = a.fma(b, c7);
            c8 = a.fma(b, c8);
            c9 = a.fma(b, c9);
            c10 = a.fma(b, c10);
            c11 = a.fma(b, c11);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
