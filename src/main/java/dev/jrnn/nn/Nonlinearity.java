package dev.jrnn.nn;

import java.util.Objects;

/** The activation of a plain {@link RNN} or {@link RNNCell}: PyTorch's {@code nonlinearity} argument.
 *
 * <p>Thread safety: an enum: immutable and thread-safe.
 */
public enum Nonlinearity {
    /** {@code tanh}, the default. */
    TANH("tanh"),
    /** {@code relu}; its derivative at exactly 0 is 0, as in PyTorch. */
    RELU("relu");

    private final String torchName;

    Nonlinearity(String torchName) {
        this.torchName = torchName;
    }

    /** {@return the name PyTorch uses: {@code "tanh"} or {@code "relu"}} */
    public String torchName() {
        return torchName;
    }

    /**
     * Parses PyTorch's spelling, case-sensitively like PyTorch ({@code "Tanh"} is rejected).
     *
     * @param name {@code "tanh"} or {@code "relu"}
     * @return the nonlinearity
     * @throws IllegalArgumentException with PyTorch's message {@code Unknown nonlinearity 'x'. Select
     *     from 'tanh' or 'relu'.} for anything else
     */
    public static Nonlinearity of(String name) {
        Objects.requireNonNull(name, "nonlinearity");
        for (Nonlinearity n : values()) {
            if (n.torchName.equals(name)) {
                return n;
            }
        }
        throw new IllegalArgumentException("Unknown nonlinearity '" + name + "'. Select from 'tanh' or 'relu'.");
    }

    Mode mode() {
        return this == TANH ? Mode.RNN_TANH : Mode.RNN_RELU;
    }
}
