package dev.jrnn.nn;

import java.util.Objects;
import dev.jrnn.tensor.Tensor;

/**
 * The state of an LSTM: PyTorch's pair {@code (h, c)}, typed so that one tensor can never be passed
 * where two are needed. For a layer ({@link LSTM}) {@code h} is {@code (D·num_layers, N, H_out)} and
 * {@code c} {@code (D·num_layers, N, H)} (unbatched without the {@code N}); {@code H_out} is
 * {@code proj_size} when projecting, else {@code hidden_size}, while {@code c} is always {@code H} wide.
 * For a cell ({@link LSTMCell}) both are {@code (N, H)} or {@code (H)}.
 *
 * <p>Immutable holder; the tensors are shared, not copied.
 *
 * @param h the hidden state {@code h}; not null
 * @param c the cell state {@code c}; not null
 *
 * <p>Thread safety: an immutable record of two tensors; the tensors themselves are not copied, so do not
 * write to them while another thread reads them.
 */
public record LSTMState(Tensor h, Tensor c) {

    /** Checks that neither tensor is null. */
    public LSTMState {
        Objects.requireNonNull(h, "h");
        Objects.requireNonNull(c, "c");
    }

    @Override
    public String toString() {
        return "LSTMState[h " + h.shapeString() + ", c " + c.shapeString() + "]";
    }
}
