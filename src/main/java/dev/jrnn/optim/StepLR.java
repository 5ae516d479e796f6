package dev.jrnn.optim;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs, PyTorch's
 * {@code StepLR(optimizer, step_size, gamma=0.1)}: {@code lr_e = base_lr · gamma^⌊e / step_size⌋}.
 *
 * <p>Thread safety: not thread-safe (see {@link LRScheduler}): {@code step} changes the optimizer's learning
 * rate.
 */
public final class StepLR extends LRScheduler {

    private final int stepSize;
    private final double gamma;

    /**
     * @param optimizer whose learning rate to change, modified
     * @param stepSize {@code >= 1}
     * @param gamma multiplicative factor
     * @throws IllegalArgumentException for {@code stepSize < 1} or a non-finite {@code gamma} (checked
     *     before the optimizer is touched)
     */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(Args.finite(Args.atLeast(optimizer, "step_size", stepSize, 1), "gamma", gamma));
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override
    double nextLr(double lr, long epoch) {
        return epoch == 0 || epoch % stepSize != 0 ? lr : lr * gamma;
    }

    @Override
    double closedFormLr(long epoch) {
        return baseLr() * Math.pow(gamma, Math.floorDiv(epoch, stepSize));
    }
}
