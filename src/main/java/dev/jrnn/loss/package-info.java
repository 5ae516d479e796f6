/**
 * Loss functions with their gradients, PyTorch's {@code nn.MSELoss}, {@code nn.CrossEntropyLoss} and
 * {@code nn.BCEWithLogitsLoss}: each {@code forward} returns a {@link dev.jrnn.loss.LossOutput} holding the
 * value and the means to compute {@code ∂loss/∂input}, which the caller feeds to the layer below
 * (there is no autograd). Depends on {@code dev.jrnn.tensor} (and may use {@code dev.jrnn.nn}).
 */
package dev.jrnn.loss;
