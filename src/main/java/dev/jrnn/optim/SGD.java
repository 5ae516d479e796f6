package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import java.util.List;

/**
 * Stochastic gradient descent with momentum, PyTorch 1.13's
 * {@code torch.optim.SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False)}. Per
 * parameter {@code p} with gradient {@code g}, at step {@code t}:
 * <pre>
 *   g ← g + weight_decay·p                                  (if weight_decay ≠ 0)
 *   if momentum ≠ 0:
 *       b ← g                              at t = 1 (no dampening on the first step)
 *       b ← momentum·b + (1 − dampening)·g otherwise
 *       g ← g + momentum·b  (nesterov)   or   g ← b
 *   p ← p − lr·g
 * </pre>
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
 * <p>State: {@code momentum_buffer} (zeros before the first step). Not thread-safe; holds the live
 * parameters (no copies).
 *
 * <p>Thread safety: not thread-safe (see {@link Optimizer}): {@code step} updates the parameters and this
 * optimizer's state; one thread at a time.
 */
public final class SGD extends Optimizer {

    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private final float[][] buf;   // per parameter, numel; null without momentum

    /**
     * Plain SGD: {@code p -= lr·g}.
     *
     * @param params the parameters to update (e.g. {@code module.parameters()}); the list is copied, the
     *     parameters are live
     * @param lr learning rate, finite and {@code >= 0}
     * @throws IllegalArgumentException for a negative or non-finite learning rate
     */
    public SGD(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /**
     * SGD with torch's full set of options (defaults 0, 0, 0, false).
     *
     * @param params the parameters to update; the list is copied, the parameters are live
     * @param lr learning rate, finite and {@code >= 0}
     * @param momentum momentum factor {@code >= 0}
     * @param dampening dampening of the momentum, applied from the second step on
     * @param weightDecay L2 penalty {@code >= 0}, added to the gradient
     * @param nesterov Nesterov momentum; needs {@code momentum > 0} and {@code dampening = 0}
     * @throws IllegalArgumentException for an invalid value (the message names it)
     */
    public SGD(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay,
               boolean nesterov) {
        super(params, lr);
        this.momentum = checkNonNegative("momentum", momentum);
        this.dampening = dampening;
        this.weightDecay = checkNonNegative("weight_decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening, got momentum "
                    + momentum + ", dampening " + dampening);
        }
        this.nesterov = nesterov;
        this.buf = momentum != 0 ? buffer("momentum_buffer", 0f) : null;
    }

    @Override
    void update(int index, float[] p, float[] g, long step) {
        float wd = (float) weightDecay;
        float mom = (float) momentum;
        float oneMinusDamp = (float) (1 - dampening);
        float negLr = (float) -lr();
        float[] b = buf == null ? null : buf[index];
        for (int j = 0; j < p.length; j++) {
            float d = g[j];
            if (weightDecay != 0) {
                d = Math.fma(wd, p[j], d);
            }
            if (b != null) {
                b[j] = step == 1 ? d : Math.fma(oneMinusDamp, d, b[j] * mom);
                d = nesterov ? Math.fma(mom, b[j], d) : b[j];
            }
            p[j] = Math.fma(negLr, d, p[j]);
        }
    }

    @Override
    public String toString() {
        return "SGD[lr=" + lr() + ", momentum=" + momentum + ", dampening=" + dampening + ", weight_decay="
                + weightDecay + ", nesterov=" + nesterov + "]";
    }
}
