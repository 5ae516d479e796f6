package dev.jrnn.nn;

import java.util.Objects;

/**
 * The constructor arguments of a recurrent layer, with PyTorch's names and defaults: an immutable
 * value built by {@link #rnn}, {@link #lstm} or {@link #gru} and changed by {@code withX(...)} copies.
 *
 * <table>
 *   <caption>Arguments and defaults</caption>
 *   <tr><th>PyTorch argument</th><th>accessor</th><th>default</th></tr>
 *   <tr><td>{@code input_size}</td><td>{@link #inputSize()}</td><td>(required)</td></tr>
 *   <tr><td>{@code hidden_size}</td><td>{@link #hiddenSize()}</td><td>(required)</td></tr>
 *   <tr><td>{@code num_layers}</td><td>{@link #numLayers()}</td><td>1</td></tr>
 *   <tr><td>{@code nonlinearity} (RNN only)</td><td>{@link #nonlinearity()}</td><td>{@code tanh}</td></tr>
 *   <tr><td>{@code bias}</td><td>{@link #bias()}</td><td>true</td></tr>
 *   <tr><td>{@code batch_first}</td><td>{@link #batchFirst()}</td><td>false</td></tr>
 *   <tr><td>{@code dropout}</td><td>{@link #dropout()}</td><td>0.0</td></tr>
 *   <tr><td>{@code bidirectional}</td><td>{@link #bidirectional()}</td><td>false</td></tr>
 *   <tr><td>{@code proj_size} (LSTM only)</td><td>{@link #projSize()}</td><td>0</td></tr>
 * </table>
 *
 * <p>Every factory and {@code withX} validates the whole configuration in PyTorch's order (spec §1.2)
 * and throws {@link IllegalArgumentException} with PyTorch's (upstream) wording followed by the
 * offending value. One PyTorch check is a warning rather than an error (dropout with one layer); it
 * is emitted when a module is built from the configuration, not here.
 *
 * <p>Thread-safe (immutable). No argument may be {@code null}.
 *
 * <p>Thread safety: immutable value; safe to share between threads.
 */
public final class RNNConfig {

    private final Mode mode;
    private final int inputSize;
    private final int hiddenSize;
    private final int numLayers;
    private final boolean bias;
    private final boolean batchFirst;
    private final double dropout;
    private final boolean bidirectional;
    private final int projSize;

    private RNNConfig(Mode mode, int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst,
                      double dropout, boolean bidirectional, int projSize) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        this.projSize = projSize;
        validate();
    }

    /** {@return a tanh RNN configuration: {@code nn.RNN(input_size, hidden_size)}} */
    public static RNNConfig rnn(int inputSize, int hiddenSize) {
        return new RNNConfig(Mode.RNN_TANH, inputSize, hiddenSize, 1, true, false, 0.0, false, 0);
    }

    /** {@return an LSTM configuration: {@code nn.LSTM(input_size, hidden_size)}} */
    public static RNNConfig lstm(int inputSize, int hiddenSize) {
        return new RNNConfig(Mode.LSTM, inputSize, hiddenSize, 1, true, false, 0.0, false, 0);
    }

    /** {@return a GRU configuration: {@code nn.GRU(input_size, hidden_size)}} */
    public static RNNConfig gru(int inputSize, int hiddenSize) {
        return new RNNConfig(Mode.GRU, inputSize, hiddenSize, 1, true, false, 0.0, false, 0);
    }

    /** {@return a configuration of any mode, like PyTorch's {@code RNNBase(mode, input_size, hidden_size)}} */
    public static RNNConfig of(Mode mode, int inputSize, int hiddenSize) {
        return new RNNConfig(mode, inputSize, hiddenSize, 1, true, false, 0.0, false, 0);
    }

    /** {@return a copy with {@code input_size} changed; must be ≥ 0} */
    public RNNConfig withInputSize(int inputSize) {
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /** {@return a copy with {@code hidden_size} changed; must be > 0} */
    public RNNConfig withHiddenSize(int hiddenSize) {
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /** {@return a copy with {@code num_layers} changed; must be > 0} */
    public RNNConfig withNumLayers(int numLayers) {
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /** {@return a copy with {@code bias} changed; {@code false} means the bias parameters do not exist} */
    public RNNConfig withBias(boolean bias) {
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /**
     * {@return a copy with {@code batch_first} changed}
     * It changes the layout of input and output only, never of {@code h_0}/{@code h_n}.
     */
    public RNNConfig withBatchFirst(boolean batchFirst) {
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /**
     * {@return a copy with the inter-layer {@code dropout} probability changed; must be in [0, 1]}
     * Dropout is applied in training mode to the output of every layer but the last.
     */
    public RNNConfig withDropout(double dropout) {
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /** {@return a copy with {@code bidirectional} changed} */
    public RNNConfig withBidirectional(boolean bidirectional) {
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    /**
     * {@return a copy with the RNN {@code nonlinearity} changed}
     *
     * @throws IllegalArgumentException if this is not an RNN configuration
     */
    public RNNConfig withNonlinearity(Nonlinearity nonlinearity) {
        Objects.requireNonNull(nonlinearity, "nonlinearity");
        if (!mode.isPlainRnn()) {
            throw new IllegalArgumentException("nonlinearity argument is only supported for RNN, not LSTM or GRU (mode "
                    + mode + ")");
        }
        return new RNNConfig(nonlinearity.mode(), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
                bidirectional, projSize);
    }

    /** {@return a copy with the RNN {@code nonlinearity} given by PyTorch's name, {@code "tanh"} or {@code "relu"}} */
    public RNNConfig withNonlinearity(String nonlinearity) {
        return withNonlinearity(Nonlinearity.of(nonlinearity));
    }

    /**
     * {@return a copy with the LSTM {@code proj_size} changed; 0 disables the projection}
     *
     * @throws IllegalArgumentException if this is not an LSTM configuration (PyTorch rejects the
     *     argument for RNN and GRU even when it is 0), or if not {@code 0 ≤ projSize < hiddenSize}
     */
    public RNNConfig withProjSize(int projSize) {
        if (mode != Mode.LSTM) {
            throw new IllegalArgumentException("proj_size argument is only supported for LSTM, not RNN or GRU (mode "
                    + mode + ")");
        }
        return new RNNConfig(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    private void validate() {
        if (Double.isNaN(dropout) || dropout < 0 || dropout > 1) {
            throw new IllegalArgumentException("dropout should be a number in range [0, 1] representing the probability"
                    + " of an element being zeroed, got " + dropout);
        }
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("hidden_size must be greater than zero, got " + hiddenSize);
        }
        if (numLayers <= 0) {
            throw new IllegalArgumentException("num_layers must be greater than zero, got " + numLayers);
        }
        if (inputSize < 0) {
            throw new IllegalArgumentException("input_size must be zero or greater, got " + inputSize);
        }
        if (projSize < 0) {
            throw new IllegalArgumentException("proj_size should be a positive integer or zero to disable projections,"
                    + " got " + projSize);
        }
        if (projSize > 0 && projSize >= hiddenSize) {
            throw new IllegalArgumentException("proj_size has to be smaller than hidden_size, got proj_size="
                    + projSize + " and hidden_size=" + hiddenSize);
        }
    }

    /** {@return the recurrence} */
    public Mode mode() {
        return mode;
    }

    /** {@return {@code input_size}, H_in} */
    public int inputSize() {
        return inputSize;
    }

    /** {@return {@code hidden_size}, H} */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** {@return {@code num_layers}} */
    public int numLayers() {
        return numLayers;
    }

    /** {@return {@code bias}: whether {@code bias_ih}/{@code bias_hh} exist} */
    public boolean bias() {
        return bias;
    }

    /** {@return {@code batch_first}} */
    public boolean batchFirst() {
        return batchFirst;
    }

    /** {@return {@code dropout}, the inter-layer dropout probability} */
    public double dropout() {
        return dropout;
    }

    /** {@return {@code bidirectional}} */
    public boolean bidirectional() {
        return bidirectional;
    }

    /** {@return {@code proj_size}; 0 unless this is a projected LSTM} */
    public int projSize() {
        return projSize;
    }

    /** {@return the RNN nonlinearity, or {@code null} for LSTM and GRU} */
    public Nonlinearity nonlinearity() {
        switch (mode) {
            case RNN_TANH: return Nonlinearity.TANH;
            case RNN_RELU: return Nonlinearity.RELU;
            default: return null;
        }
    }

    /** {@return D: 2 if bidirectional, else 1} */
    public int numDirections() {
        return bidirectional ? 2 : 1;
    }

    /** {@return H_out, the width of emitted states: {@code proj_size} if > 0, else {@code hidden_size}} */
    public int outputHiddenSize() {
        return projSize > 0 ? projSize : hiddenSize;
    }

    /** {@return {@code gate_size}: H for RNN, 3H for GRU, 4H for LSTM} */
    public int gateSize() {
        return mode.gateSize(hiddenSize);
    }

    /** {@return the input width of layer {@code k}: H_in for layer 0, {@code D * H_out} above} */
    public int layerInputSize(int layer) {
        java.util.Objects.checkIndex(layer, numLayers);
        return layer == 0 ? inputSize : numDirections() * outputHiddenSize();
    }

    /**
     * {@return PyTorch's {@code extra_repr}: input and hidden size, then only non-default items in the
     * order proj_size, num_layers, bias, batch_first, dropout, bidirectional}
     * The RNN nonlinearity is never shown, as in PyTorch.
     */
    String extraRepr() {
        StringBuilder s = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
        if (projSize != 0) {
            s.append(", proj_size=").append(projSize);
        }
        if (numLayers != 1) {
            s.append(", num_layers=").append(numLayers);
        }
        if (!bias) {
            s.append(", bias=False");
        }
        if (batchFirst) {
            s.append(", batch_first=True");
        }
        if (dropout != 0) {
            s.append(", dropout=").append(dropout);
        }
        if (bidirectional) {
            s.append(", bidirectional=True");
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RNNConfig)) {
            return false;
        }
        RNNConfig c = (RNNConfig) o;
        return mode == c.mode && inputSize == c.inputSize && hiddenSize == c.hiddenSize && numLayers == c.numLayers
                && bias == c.bias && batchFirst == c.batchFirst && Double.compare(dropout, c.dropout) == 0
                && bidirectional == c.bidirectional && projSize == c.projSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);
    }

    @Override
    public String toString() {
        return "RNNConfig[mode=" + mode + ", input_size=" + inputSize + ", hidden_size=" + hiddenSize
                + ", num_layers=" + numLayers + ", bias=" + bias + ", batch_first=" + batchFirst
                + ", dropout=" + dropout + ", bidirectional=" + bidirectional + ", proj_size=" + projSize + "]";
    }
}
