package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import java.util.List;
import java.util.Objects;

/**
 * Plain stochastic gradient descent, PyTorch's {@code torch.optim.SGD(params, lr)} without momentum,
 * dampening, weight decay or Nesterov: {@link #step()} computes {@code p -= lr · p.grad} for every
 * parameter, in place.
 *
 * <p>A training loop reads like torch's:
 * <pre>{@code
 * SGD opt = new SGD(rnn.parameters(), 0.1);
 * for (...) {
 *     RNNOutput out = rnn.forward(x);          // rnn in training mode (the default)
 *     Tensor gradOut = ...;                     // ∂loss/∂output from your loss
 *     out.backward(gradOut, null);              // accumulates into every p.grad()
 *     opt.step();
 *     opt.zeroGrad();
 * }
 * }</pre>
 *
 * <p>Not thread-safe; holds the live parameters (no copies).
 */
public final class SGD {

    private final List<Parameter> params;
    private final float lr;

    /**
     * @param params the parameters to update (e.g. {@code module.parameters()}); the list is copied, the
     *     parameters are live
     * @param lr learning rate, finite and {@code >= 0}
     * @throws IllegalArgumentException for a negative or non-finite learning rate
     */
    public SGD(List<Parameter> params, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("Invalid learning rate: " + lr);
        }
        this.params = List.copyOf(Objects.requireNonNull(params, "params"));
        this.lr = (float) lr;
    }

    /** {@return the learning rate} */
    public double lr() {
        return lr;
    }

    /** One update {@code p.data -= lr · p.grad} for every parameter; the gradients are not modified. */
    public void step() {
        for (Parameter p : params) {
            p.data().addScaledInPlace(-lr, p.grad());
        }
    }

    /** Sets every parameter's gradient to zero (PyTorch's {@code optimizer.zero_grad(set_to_none=False)}). */
    public void zeroGrad() {
        for (Parameter p : params) {
            p.zeroGrad();
        }
    }
}
