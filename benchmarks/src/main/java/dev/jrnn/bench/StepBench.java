package dev.jrnn.bench;

import dev.jrnn.nn.GRUCell;
import dev.jrnn.nn.LSTMCell;
import dev.jrnn.nn.LSTMState;
import dev.jrnn.nn.Nonlinearity;
import dev.jrnn.nn.RNNCell;
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
 * One recurrent time step alone: an inference-mode {@code RNNCell}, {@code LSTMCell} or
 * {@code GRUCell} forward ({@code h' = f(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)} and the gate math) at the
 * sizes of the single-layer rows of the matrix ({@link Rows}); the torch side times
 * {@code nn.RNNCell/LSTMCell/GRUCell} under {@code torch.no_grad()}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(1)
public class StepBench {

    /** A single-layer, unidirectional row id of configs.md. */
    @Param({"rnn512", "deepbench1760", "latency128", "lstm512", "gru512", "lstm256lat"})
    public String row;

    /** Threads the GEMM may use ({@link Threads#setCount(int)}). */
    @Param({"1", "2"})
    public int threads;

    private RNNCell rnn;
    private LSTMCell lstm;
    private GRUCell gru;
    private Tensor x;       // (N, I)
    private Tensor h;       // (N, H)
    private LSTMState hc;   // (N, H) twice

    @Setup(Level.Trial)
    public void setup() {
        Threads.setCount(threads);
        Rows r = Rows.of(row);
        Generator g = new Generator(42L);
        int in = r.inputSize();
        int hid = r.hiddenSize();
        switch (r.mode()) {
            case RNN_TANH -> rnn = new RNNCell(in, hid, true, Nonlinearity.TANH, g);
            case RNN_RELU -> rnn = new RNNCell(in, hid, true, Nonlinearity.RELU, g);
            case LSTM -> lstm = new LSTMCell(in, hid, true, g);
            case GRU -> gru = new GRUCell(in, hid, true, g);
        }
        Generator d = new Generator(7L);
        x = Tensor.normal(d, 0f, 1f, r.batch(), in);
        h = Tensor.normal(d, 0f, 0.5f, r.batch(), hid);
        hc = new LSTMState(h, Tensor.normal(d, 0f, 0.5f, r.batch(), hid));
        if (rnn != null) {
            rnn.eval();
        } else if (lstm != null) {
            lstm.eval();
        } else {
            gru.eval();
        }
    }

    /** One inference step from a fixed state. */
    @Benchmark
    public Object step() {
        if (rnn != null) {
            return rnn.forward(x, h);
        }
        if (lstm != null) {
            return lstm.forward(x, hc);
        }
        return gru.forward(x, h);
    }
}
