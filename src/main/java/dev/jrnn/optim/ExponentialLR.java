package dev.jrnn.optim;

/** Multiplies the learning rate by {@code gamma} every epoch, PyTorch's {@code ExponentialLR(optimizer, gamma)}.
 *
 * <p>Thread safety: not thread-safe (see {@link LRScheduler}): {@code step} changes the optimizer's learning
 * rate.
 */
public final class ExponentialLR extends LRScheduler {

    private final double gamma;

    /**
     * @param optimizer whose learning rate to change, modified
     * @param gamma multiplicative factor
     * @throws IllegalArgumentException for a non-finite {@code gamma} (checked before the optimizer is touched)
     */
    public ExponentialLR(Optimizer optimizer, double gamma) {
        super(Args.finite(optimizer, "gamma", gamma));
        this.gamma = gamma;
        initialStep();
    }

    @Override
    double nextLr(double lr, long epoch) {
        return epoch == 0 ? lr : lr * gamma;
    }

    @Override
    double closedFormLr(long epoch) {
        return baseLr() * Math.pow(gamma, epoch);
    }
}
