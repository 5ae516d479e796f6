package dev.jrnn.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Schedules one after another, PyTorch 1.13's {@code SequentialLR(optimizer, schedulers, milestones)}, e.g.
 * linear warmup then cosine annealing:
 * <pre>{@code
 * LinearLR warmup = new LinearLR(opt, 0.1, 1.0, 5);
 * CosineAnnealingLR cosine = new CosineAnnealingLR(opt, 20, 1e-3);
 * SequentialLR sched = new SequentialLR(opt, List.of(warmup, cosine), new int[] {5});
 * }</pre>
 * As in torch: construction resets the rate to {@code base_lr}, undoes the children's initial steps and
 * takes only the first child's; at epoch {@code milestones[i]} child {@code i + 1} starts from its
 * closed form at its epoch 0 ({@code step(0)}), otherwise the current child steps. Build the children
 * on the same optimizer immediately before this, and step only this. Not thread-safe.
 *
 * <p>Thread safety: not thread-safe, like the schedulers it chains: {@code step} changes the optimizer's
 * learning rate.
 */
public final class SequentialLR implements Scheduler {

    private final Optimizer optimizer;
    private final List<LRScheduler> schedulers;
    private final int[] milestones;
    private long lastEpoch;

    /**
     * @param optimizer the optimizer every child drives, modified
     * @param schedulers the children, at least one, in order
     * @param milestones increasing epochs at which the next child takes over; {@code schedulers.size() − 1}
     *     of them; copied
     * @throws IllegalArgumentException if the counts do not match, the milestones do not increase, or a
     *     child drives another optimizer
     */
    public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, int[] milestones) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        if (this.schedulers.isEmpty() || this.milestones.length != this.schedulers.size() - 1) {
            throw new IllegalArgumentException("Sequential Schedulers expects number of schedulers provided to be one more"
                    + " than the number of milestone points, but got number of schedulers " + this.schedulers.size()
                    + " and the number of milestones to be equal to " + this.milestones.length);
        }
        for (int i = 1; i < this.milestones.length; i++) {
            if (this.milestones[i] <= this.milestones[i - 1]) {
                throw new IllegalArgumentException("milestones must increase, got " + Arrays.toString(milestones));
            }
        }
        for (int i = 0; i < this.schedulers.size(); i++) {
            if (this.schedulers.get(i).optimizer() != optimizer) {
                throw new IllegalArgumentException("Sequential Schedulers expects all schedulers to belong to the same"
                        + " optimizer, but got schedulers at index 0 and " + i + " to be different");
            }
        }
        optimizer.setLr(optimizer.initialLrSetDefault());
        for (LRScheduler s : this.schedulers) {
            s.undoInitialStep();
        }
        this.schedulers.get(0).step();
        this.lastEpoch = 0;
    }

    /** Advances one epoch: the current child steps, or the next one starts at a milestone. */
    public void step() {
        lastEpoch++;
        int idx = 0;
        while (idx < milestones.length && milestones[idx] <= lastEpoch) {
            idx++;
        }
        LRScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones[idx - 1] == lastEpoch) {
            s.stepTo(0);
        } else {
            s.step();
        }
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    /** {@return the number of {@link #step()} calls} */
    public long lastEpoch() {
        return lastEpoch;
    }

    @Override
    public Map<String, String> stateScalars() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("last_epoch", Long.toString(lastEpoch));
        for (int i = 0; i < schedulers.size(); i++) {
            final int index = i;
            schedulers.get(i).stateScalars().forEach((k, v) -> m.put(index + "." + k, v));
        }
        return m;
    }

    @Override
    public void loadState(Map<String, String> scalars) {
        long e;
        try {
            e = Long.parseLong(Objects.requireNonNull(scalars.get("last_epoch"), "last_epoch"));
        } catch (NullPointerException | NumberFormatException ex) {
            throw new IllegalArgumentException("SequentialLR state: bad or missing last_epoch: " + scalars, ex);
        }
        for (int i = 0; i < schedulers.size(); i++) {
            Map<String, String> child = new LinkedHashMap<>();
            String prefix = i + ".";
            scalars.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    child.put(k.substring(prefix.length()), v);
                }
            });
            schedulers.get(i).loadState(child);
        }
        lastEpoch = e;
    }
}
