package dev.jrnn.bench;

import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.Mode;
import dev.jrnn.nn.RNNBase;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every row of the benchmark matrix ({@code shared/bench/configs.md}, {@link Rows}): inference
 * ({@link #fwd}) and one training step ({@link #fwdBwd}), at 1 and 2 GEMM threads.
 *
 * <p>{@code fwdBwd} is the training step of configs.md: a training-mode forward, then the backward
 * of {@code loss = sum(output) + sum(h_n)} (and {@code + 0·c_n} for LSTM) into every parameter's
 * gradient. Gradients accumulate across invocations, as they do in the torch loop of
 * {@code tools/bench_torch.py}. As there, the input does not require a gradient: the backward runs
 * with {@code inputGradient = false}, which skips layer 0's {@code dX} GEMM. Dropout is 0, so
 * training and inference run the same arithmetic.
 *
 * <p>Run with the Vector API: {@code -jvmArgsAppend "--add-modules jdk.incubator.vector
 * -Djrnn.simd=vector"}; scalar: {@code -jvmArgsAppend -Djrnn.simd=scalar}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(1)
public class RnnBench {

    /** A row id of configs.md. */
    @Param({"rnn512", "rnn512x2bi", "deepbench1760", "latency128", "rnn256x2bi", "lstm512", "gru512",
            "lstm256lat", "tiny"})
    public String row;

    /** Threads the GEMM may use ({@link Threads#setCount(int)}). */
    @Param({"1", "2"})
    public int threads;

    private RNNBase module;
    private boolean lstm;
    private Tensor x;           // (T, N, I)
    private Tensor gradOutput;  // (T, N, D·H): ones, d sum(output)
    private Tensor gradHn;      // (D·layers, N, H): ones, d sum(h_n)

    @Setup(Level.Trial)
    public void setup() {
        Threads.setCount(threads);
        Rows r = Rows.of(row);
        module = r.module(42L);
        lstm = r.mode() == Mode.LSTM;
        int dirs = r.bidirectional() ? 2 : 1;
        x = Tensor.normal(new Generator(7), 0f, 1f, r.seqLen(), r.batch(), r.inputSize());
        gradOutput = Tensor.ones(r.seqLen(), r.batch(), dirs * r.hiddenSize());
        gradHn = Tensor.ones(dirs * r.layers(), r.batch(), r.hiddenSize());
    }

    /** Inference: an evaluation-mode forward. */
    @Benchmark
    public Object fwd() {
        module.eval();
        return lstm ? ((LSTM) module).forward(x) : forward(x);
    }

    /** One training step without the optimizer: a training-mode forward, then backward. */
    @Benchmark
    public Object fwdBwd() {
        module.train();
        if (lstm) {
            return ((LSTM) module).forward(x).backward(gradOutput, gradHn, null, false);
        }
        return forward(x).backward(gradOutput, gradHn, false);
    }

    private RNNOutput forward(Tensor input) {
        if (module instanceof dev.jrnn.nn.RNN rnn) {
            return rnn.forward(input);
        }
        return ((dev.jrnn.nn.GRU) module).forward(input);
    }
}
