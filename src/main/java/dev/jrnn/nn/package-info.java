/**
 * Recurrent layers that behave exactly like PyTorch's {@code torch.nn.RNN}, {@code LSTM} and
 * {@code GRU}: the same constructor arguments and defaults, parameter names, shapes, registration
 * order, gate layouts, initialisation bounds, forward semantics and error messages — and their
 * gradients: a forward in training mode records what backprop-through-time needs in its
 * {@link dev.jrnn.nn.RNNOutput}, whose {@code backward} accumulates into every
 * {@link dev.jrnn.nn.Parameter#grad()} as torch autograd would.
 * Variable-length batches ({@code torch.nn.utils.rnn}): {@link dev.jrnn.nn.RnnUtils} and
 * {@link dev.jrnn.nn.PackedSequence}.
 *
 * <p>Symbols used throughout: {@code L} sequence length, {@code N} batch size, {@code H_in}
 * {@code input_size}, {@code H} {@code hidden_size}, {@code D} 2 if bidirectional else 1,
 * {@code H_out} the width of the emitted state ({@code H}; {@code proj_size} for a projected LSTM).
 *
 * <p>Depends only on {@code dev.jrnn.tensor} (and its internal kernels).
 */
package dev.jrnn.nn;
