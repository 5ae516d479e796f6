package dev.jrnn.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An epoch-based learning-rate schedule, PyTorch 1.13's {@code torch.optim.lr_scheduler._LRScheduler}:
 * construction records {@code base_lr} (the optimizer's {@code initial_lr}: its learning rate when the
 * first scheduler was attached) and takes the initial step
 * ({@code last_epoch = 0}); each {@link #step()} then increments {@code last_epoch} and sets the
 * optimizer's learning rate from the current one with torch's recursive ("chainable") formula, in
 * double, so the sequence equals torch's to the last bit or so.
 *
 * <p>Call {@link #step()} after {@link Optimizer#step()}, once per epoch (or per batch, if the schedule
 * counts batches), as in torch. Not thread-safe.
 *
 * <p>Thread safety: not thread-safe; {@code step} changes the optimizer's learning rate.
 */
public abstract sealed class LRScheduler implements Scheduler permits StepLR, ExponentialLR, CosineAnnealingLR, LinearLR {

    private final Optimizer optimizer;
    private final double baseLr;
    private long lastEpoch;

    LRScheduler(Optimizer optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.baseLr = optimizer.initialLrSetDefault();
        this.lastEpoch = 0;
    }

    /** Sets the learning rate of epoch 0; subclasses call it at the end of their constructor. */
    final void initialStep() {
        optimizer.setLr(nextLr(optimizer.lr(), 0));
    }

    /**
     * {@return the learning rate for {@code epoch} from the current one (torch's {@code get_lr()})}
     *
     * @param lr the optimizer's current learning rate
     * @param epoch the new {@code last_epoch}
     */
    abstract double nextLr(double lr, long epoch);

    /** {@return the learning rate of {@code epoch} from {@code base_lr} (torch's {@code _get_closed_form_lr})} */
    abstract double closedFormLr(long epoch);

    /** Sets {@code last_epoch} and the closed-form rate of that epoch (torch's {@code step(epoch)}). */
    final void stepTo(long epoch) {
        lastEpoch = epoch;
        optimizer.setLr(closedFormLr(epoch));
    }

    /** Moves {@code last_epoch} back by one without touching the rate (SequentialLR's "undo"). */
    final void undoInitialStep() {
        lastEpoch--;
    }

    /** Advances one epoch and sets the optimizer's learning rate. */
    public final void step() {
        lastEpoch++;
        optimizer.setLr(nextLr(optimizer.lr(), lastEpoch));
    }

    @Override
    public final Optimizer optimizer() {
        return optimizer;
    }

    /**
     * {@return {@code base_lr}: the optimizer's learning rate when its first scheduler was constructed
     * (torch's {@code initial_lr}), the same for every scheduler of one optimizer}
     */
    public final double baseLr() {
        return baseLr;
    }

    /** {@return the number of {@link #step()} calls} */
    public final long lastEpoch() {
        return lastEpoch;
    }

    /** {@return the learning rate set by the last step (torch's {@code get_last_lr()[0]})} */
    public final double lastLr() {
        return optimizer.lr();
    }

    @Override
    public final Map<String, String> stateScalars() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("last_epoch", Long.toString(lastEpoch));
        return m;
    }

    @Override
    public final void loadState(Map<String, String> scalars) {
        try {
            lastEpoch = Long.parseLong(Objects.requireNonNull(scalars.get("last_epoch"), "last_epoch"));
        } catch (NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " state: bad or missing last_epoch: " + scalars, e);
        }
    }
}
