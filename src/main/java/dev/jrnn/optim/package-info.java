/**
 * Optimizers that update the {@link dev.jrnn.nn.Parameter}s of a module from their accumulated
 * gradients, like {@code torch.optim}. Depends on {@code dev.jrnn.nn} and {@code dev.jrnn.tensor}.
 */
package dev.jrnn.optim;
