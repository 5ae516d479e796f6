package dev.jrnn.interop;

import java.util.Objects;

/**
 * The Keras/TF2 layer options that decide how (and whether) a recurrent layer's weights map onto a
 * PyTorch-style jrnn module: an immutable value built by {@link #simpleRNN()}, {@link #lstm()} or
 * {@link #gru()} and changed by {@code withX(...)} copies. Options that do not affect inference
 * (initialisers, regularisers, {@code dropout}, {@code return_sequences}, {@code return_state},
 * {@code unroll}) are not represented.
 *
 * <table>
 *   <caption>Options and defaults (Keras 2.x / TF2 defaults)</caption>
 *   <tr><th>Keras argument</th><th>default</th><th>representable values</th></tr>
 *   <tr><td>{@code activation}</td><td>{@code "tanh"}</td><td>{@code tanh}; also {@code relu} for SimpleRNN</td></tr>
 *   <tr><td>{@code recurrent_activation} (LSTM, GRU)</td><td>{@code "sigmoid"}</td><td>{@code sigmoid} only</td></tr>
 *   <tr><td>{@code reset_after} (GRU)</td><td>true</td><td>true only</td></tr>
 *   <tr><td>wrapped in {@code Bidirectional}</td><td>false</td><td>both (the merge mode only changes the
 *       output: see {@link KerasImport#mergeBidirectional})</td></tr>
 *   <tr><td>{@code time_major}</td><td>false</td><td>both (the module gets {@code batch_first = !time_major})</td></tr>
 * </table>
 *
 * <p>Representability is checked when weights are converted ({@link KerasImport}), not here.
 * Thread-safe (immutable). No argument may be {@code null}.
 *
 * <p>Thread safety: immutable value; safe to share between threads.
 */
public final class KerasLayer {

    /** The Keras recurrent layer classes jrnn imports. */
    public enum Type {
        /** {@code keras.layers.SimpleRNN}: one gate block. */
        SIMPLE_RNN("SimpleRNN", 1),
        /** {@code keras.layers.LSTM}: kernel columns i, f, c, o (PyTorch's order). */
        LSTM("LSTM", 4),
        /** {@code keras.layers.GRU}: kernel columns z, r, h (PyTorch has r, z, n). */
        GRU("GRU", 3);

        private final String kerasName;
        private final int gates;

        Type(String kerasName, int gates) {
            this.kerasName = kerasName;
            this.gates = gates;
        }

        /** {@return the Keras class name, e.g. {@code SimpleRNN}} */
        public String kerasName() {
            return kerasName;
        }

        /** {@return the number of gate blocks} */
        public int gateCount() {
            return gates;
        }
    }

    private final Type type;
    private final String activation;
    private final String recurrentActivation;
    private final boolean resetAfter;
    private final boolean bidirectional;
    private final boolean timeMajor;

    private KerasLayer(Type type, String activation, String recurrentActivation, boolean resetAfter,
                       boolean bidirectional, boolean timeMajor) {
        this.type = Objects.requireNonNull(type, "type");
        this.activation = Objects.requireNonNull(activation, "activation");
        this.recurrentActivation = Objects.requireNonNull(recurrentActivation, "recurrentActivation");
        this.resetAfter = resetAfter;
        this.bidirectional = bidirectional;
        this.timeMajor = timeMajor;
    }

    /** {@return {@code keras.layers.SimpleRNN(units)} with default options} */
    public static KerasLayer simpleRNN() {
        return new KerasLayer(Type.SIMPLE_RNN, "tanh", "sigmoid", true, false, false);
    }

    /** {@return {@code keras.layers.LSTM(units)} with default options} */
    public static KerasLayer lstm() {
        return new KerasLayer(Type.LSTM, "tanh", "sigmoid", true, false, false);
    }

    /** {@return {@code keras.layers.GRU(units)} with default options ({@code reset_after=True})} */
    public static KerasLayer gru() {
        return new KerasLayer(Type.GRU, "tanh", "sigmoid", true, false, false);
    }

    /** {@return a copy with {@code activation} changed (Keras's name, e.g. {@code "relu"})} */
    public KerasLayer withActivation(String activation) {
        return new KerasLayer(type, activation, recurrentActivation, resetAfter, bidirectional, timeMajor);
    }

    /** {@return a copy with {@code recurrent_activation} changed (LSTM, GRU; e.g. {@code "hard_sigmoid"})} */
    public KerasLayer withRecurrentActivation(String recurrentActivation) {
        return new KerasLayer(type, activation, recurrentActivation, resetAfter, bidirectional, timeMajor);
    }

    /** {@return a copy with the GRU's {@code reset_after} changed} */
    public KerasLayer withResetAfter(boolean resetAfter) {
        return new KerasLayer(type, activation, recurrentActivation, resetAfter, bidirectional, timeMajor);
    }

    /** {@return a copy describing the layer wrapped in (or not in) {@code keras.layers.Bidirectional}} */
    public KerasLayer withBidirectional(boolean bidirectional) {
        return new KerasLayer(type, activation, recurrentActivation, resetAfter, bidirectional, timeMajor);
    }

    /** {@return a copy with {@code time_major} changed (Keras's default false = batch-major input)} */
    public KerasLayer withTimeMajor(boolean timeMajor) {
        return new KerasLayer(type, activation, recurrentActivation, resetAfter, bidirectional, timeMajor);
    }

    /** {@return the layer class} */
    public Type type() {
        return type;
    }

    /** {@return {@code activation}} */
    public String activation() {
        return activation;
    }

    /** {@return {@code recurrent_activation} (meaningless for SimpleRNN)} */
    public String recurrentActivation() {
        return recurrentActivation;
    }

    /** {@return {@code reset_after} (meaningful for GRU only)} */
    public boolean resetAfter() {
        return resetAfter;
    }

    /** {@return whether the layer is wrapped in {@code Bidirectional}} */
    public boolean bidirectional() {
        return bidirectional;
    }

    /** {@return {@code time_major}} */
    public boolean timeMajor() {
        return timeMajor;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KerasLayer)) {
            return false;
        }
        KerasLayer k = (KerasLayer) o;
        return type == k.type && activation.equals(k.activation) && recurrentActivation.equals(k.recurrentActivation)
                && resetAfter == k.resetAfter && bidirectional == k.bidirectional && timeMajor == k.timeMajor;
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, activation, recurrentActivation, resetAfter, bidirectional, timeMajor);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(bidirectional ? "Bidirectional(" : "").append(type.kerasName)
                .append("(activation='").append(activation).append('\'');
        if (type != Type.SIMPLE_RNN) {
            s.append(", recurrent_activation='").append(recurrentActivation).append('\'');
        }
        if (type == Type.GRU) {
            s.append(", reset_after=").append(resetAfter ? "True" : "False");
        }
        if (timeMajor) {
            s.append(", time_major=True");
        }
        return s.append(bidirectional ? "))" : ")").toString();
    }
}
