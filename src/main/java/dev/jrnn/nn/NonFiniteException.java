package dev.jrnn.nn;

/**
 * Thrown by a recurrent module in check mode ({@link RNNBase#setCheckFinite(boolean)}) when a forward pass
 * receives or produces a NaN or an infinity. It names the first such value in the documented scan order
 * (see {@link RNNBase#setCheckFinite(boolean)}) by its {@link #source()}, layer, direction, time step,
 * batch row and feature; coordinates that do not apply to the source are {@code -1}.
 *
 * <p>Batch rows are in the caller's order (for a {@link PackedSequence} packed with
 * {@code enforceSorted = false} the row of the caller's original padded batch, not the sorted position);
 * an unbatched forward has row 0. Time steps are the sequence's own steps ({@code 0 ≤ t < L}) whatever
 * {@code batch_first} is.
 *
 * <p>Thread safety: immutable.
 */
public final class NonFiniteException extends ArithmeticException {

    private static final long serialVersionUID = 1L;

    /** Where the non-finite value was found. */
    public enum Source {
        /** The input sequence {@code (L, N, H_in)}: layer and direction are {@code -1}. */
        INPUT("input"),
        /** The initial hidden state {@code h_0} {@code (D·num_layers, N, H_out)}: step is {@code -1}. */
        H0("h_0"),
        /** The initial cell state {@code c_0} {@code (D·num_layers, N, H)} (LSTM): step is {@code -1}. */
        C0("c_0"),
        /** The output {@code (L, N, H_out)} of one layer and direction, before inter-layer dropout. */
        LAYER_OUTPUT("output"),
        /** The final hidden state {@code h_n}: step is {@code -1}. */
        H_N("h_n"),
        /** The final cell state {@code c_n} (LSTM): step is {@code -1}. */
        C_N("c_n");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final Source source;
    private final int layer;
    private final int direction;
    private final int step;
    private final int row;
    private final int feature;
    private final float value;

    NonFiniteException(Source source, int layer, int direction, int step, int row, int feature, float value) {
        super("non-finite value " + value + " in " + source
                + (layer >= 0 ? " of layer " + layer + ", direction " + direction : "")
                + (step >= 0 ? (layer >= 0 ? "," : "") + " at time step t=" + step : "")
                + ", batch row " + row + ", feature " + feature);
        this.source = source;
        this.layer = layer;
        this.direction = direction;
        this.step = step;
        this.row = row;
        this.feature = feature;
        this.value = value;
    }

    /** {@return where the value was found} */
    public Source source() {
        return source;
    }

    /** {@return the layer {@code 0 ≤ k < num_layers}, or -1 for {@link Source#INPUT}} */
    public int layer() {
        return layer;
    }

    /** {@return the direction (0 forward, 1 reverse), or -1 for {@link Source#INPUT}} */
    public int direction() {
        return direction;
    }

    /** {@return the time step {@code 0 ≤ t < L}, or -1 for the states ({@code h_0}, {@code c_0}, {@code h_n}, {@code c_n})} */
    public int step() {
        return step;
    }

    /** {@return the batch row in the caller's order (0 for an unbatched forward)} */
    public int row() {
        return row;
    }

    /** {@return the feature index within the layer-direction's slice (input feature, or hidden unit)} */
    public int feature() {
        return feature;
    }

    /** {@return the value found: NaN, +Inf or -Inf} */
    public float value() {
        return value;
    }
}
