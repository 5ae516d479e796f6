package dev.jrnn.train;

import java.util.List;

/**
 * What {@link Trainer#fit} returns: the per-epoch history of the whole run (including epochs done before a
 * resume, restored from the checkpoint) and the early-stopping outcome. Immutable.
 *
 * <p>Thread safety: immutable (the loss lists are unmodifiable copies); safe to share between threads.
 */
public final class TrainingResult {

    private final List<Double> trainLosses;
    private final List<Double> evalLosses;
    private final int bestEpoch;
    private final double bestEvalLoss;
    private final boolean stoppedEarly;

    TrainingResult(List<Double> trainLosses, List<Double> evalLosses, int bestEpoch, double bestEvalLoss,
                   boolean stoppedEarly) {
        this.trainLosses = List.copyOf(trainLosses);
        this.evalLosses = List.copyOf(evalLosses);
        this.bestEpoch = bestEpoch;
        this.bestEvalLoss = bestEvalLoss;
        this.stoppedEarly = stoppedEarly;
    }

    /** {@return the mean training loss of each completed epoch, epoch 1 first} */
    public List<Double> trainLosses() {
        return trainLosses;
    }

    /** {@return the evaluation loss of each completed epoch (NaN without evaluator)} */
    public List<Double> evalLosses() {
        return evalLosses;
    }

    /** {@return the number of completed epochs} */
    public int epochs() {
        return trainLosses.size();
    }

    /** {@return the 1-based epoch with the best evaluation loss, or 0 without evaluator} */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** {@return the best evaluation loss, or NaN without evaluator} */
    public double bestEvalLoss() {
        return bestEvalLoss;
    }

    /** {@return whether early stopping ended the run before the last epoch} */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    @Override
    public String toString() {
        return "TrainingResult[epochs=" + epochs() + ", bestEpoch=" + bestEpoch + ", bestEvalLoss=" + bestEvalLoss
                + ", stoppedEarly=" + stoppedEarly + "]";
    }
}
