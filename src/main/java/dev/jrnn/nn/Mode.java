package dev.jrnn.nn;

/**
 * The recurrence computed by an {@link RNNBase}, as PyTorch's {@code RNNBase(mode, ...)} names it.
 * Each mode knows how many gate blocks of {@code hidden_size} rows its stacked weights hold.
 *
 * <p>Thread safety: an enum: immutable and thread-safe.
 */
public enum Mode {
    /** {@code h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)}; one gate block. */
    RNN_TANH(1),
    /** {@code h' = relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)}; one gate block. */
    RNN_RELU(1),
    /** Long short-term memory; four gate blocks in the order i, f, g, o. */
    LSTM(4),
    /** Gated recurrent unit ("reset after" form); three gate blocks in the order r, z, n. */
    GRU(3);

    private final int gates;

    Mode(int gates) {
        this.gates = gates;
    }

    /** {@return the number of gate blocks: 1 for RNN, 4 for LSTM, 3 for GRU} */
    public int gateCount() {
        return gates;
    }

    /** {@return {@code gate_size}, the number of rows of {@code weight_ih}: {@code gateCount() * hiddenSize}} */
    public int gateSize(int hiddenSize) {
        return gates * hiddenSize;
    }

    /** {@return true for the two plain RNN modes} */
    public boolean isPlainRnn() {
        return this == RNN_TANH || this == RNN_RELU;
    }
}
