package dev.jrnn.bench;

import dev.jrnn.nn.GRU;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.LSTMOutput;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.Threads;
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
 * The LSTM and GRU rows of {@code configs.md} (float32, one layer, unidirectional, default init,
 * {@code x ~ N(0, 1)}, zero initial state):
 * <ul>
 *   <li>{@code lstm512}: LSTM, T 50, N 64, I 512, H 512 (gates 4H);</li>
 *   <li>{@code gru512}: GRU, T 50, N 64, I 512, H 512 (gates 3H);</li>
 *   <li>{@code lstm256lat}: LSTM, T 150, N 1, I 256, H 256 (DeepBench device-inference row).</li>
 * </ul>
 * {@link #fwd} is inference (evaluation mode: nothing recorded); {@link #fwdBwd} is one training
 * step's forward and backward of {@code loss = sum(output) + sum(h_n)} with respect to all
 * parameters (gradients accumulate; zeroed outside the timing would not change the cost). jrnn's
 * backward also returns the input gradient, which torch skips when the input does not require grad:
 * one extra {@code (T·N, G)·(G, I)} GEMM.
 *
 * <p>The kernel path is chosen by the fork's JVM flags ({@code -jvmArgsAppend "--add-modules
 * jdk.incubator.vector"}), the GEMM thread count by {@link #threads}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(1)
public class GatedRnnBench {

    /** A row of {@code configs.md}. */
    @Param({"lstm512", "gru512", "lstm256lat"})
    public String config;

    /** Threads the GEMM may use ({@link Threads#setCount(int)}). */
    @Param({"1", "2"})
    public int threads;

    private LSTM lstm;          // null for gru512
    private GRU gru;            // null for the LSTM rows
    private Tensor x;           // (T, N, I)
    private Tensor gradOutput;  // (T, N, H): ones, d sum(output)
    private Tensor gradHn;      // (1, N, H): ones, d sum(h_n)

    @Setup(Level.Trial)
    public void setup() {
        Threads.setCount(threads);
        int t;
        int n;
        int size;
        switch (config) {
            case "lstm512": t = 50; n = 64; size = 512; break;
            case "gru512": t = 50; n = 64; size = 512; break;
            case "lstm256lat": t = 150; n = 1; size = 256; break;
            default: throw new IllegalArgumentException("unknown config " + config);
        }
        if (config.startsWith("lstm")) {
            lstm = new LSTM(RNNConfig.lstm(size, size), 42L);
        } else {
            gru = new GRU(RNNConfig.gru(size, size), 42L);
        }
        x = Tensor.normal(new Generator(7), 0f, 1f, t, n, size);
        gradOutput = Tensor.ones(t, n, size);
        gradHn = Tensor.ones(1, n, size);
    }

    /** Inference: evaluation-mode forward. */
    @Benchmark
    public Object fwd() {
        if (lstm != null) {
            return lstm.eval().forward(x);
        }
        return gru.eval().forward(x);
    }

    /** One training step without the optimizer: training-mode forward, then backward. */
    @Benchmark
    public Object fwdBwd() {
        if (lstm != null) {
            LSTMOutput out = lstm.train().forward(x);
            return out.backward(gradOutput, gradHn, null);
        }
        RNNOutput out = gru.train().forward(x);
        return out.backward(gradOutput, gradHn);
    }
}
