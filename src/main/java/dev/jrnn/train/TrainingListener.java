package dev.jrnn.train;

/**
 * Progress callbacks of a {@link Trainer}; every method has an empty default, so a listener overrides
 * only what it needs (print, log with the framework of your choice, plot). Called on the training
 * thread; an exception thrown here stops {@link Trainer#fit} (the last checkpoint stays valid).
 *
 * <p>Thread safety: called on the thread running {@link Trainer#fit}; an implementation that shares state
 * with other threads synchronises itself.
 */
public interface TrainingListener {

    /**
     * After every optimizer step.
     *
     * @param epoch 1-based epoch
     * @param batch 1-based batch within the epoch
     * @param batchesPerEpoch batches in an epoch
     * @param loss the batch's loss, as returned by the step
     * @param gradNorm the total gradient 2-norm before clipping
     * @param lr the learning rate used for the step
     * @param examplesPerSecond throughput of this run so far (since {@code fit} started or resumed)
     * @param etaSeconds estimated seconds until the last epoch ends, from the throughput so far
     */
    record BatchEnd(int epoch, int batch, int batchesPerEpoch, double loss, double gradNorm, double lr,
                    double examplesPerSecond, double etaSeconds) {
    }

    /**
     * After every epoch (and its evaluation).
     *
     * @param epoch 1-based epoch
     * @param trainLoss the mean batch loss of the epoch, weighted by batch size
     * @param evalLoss the evaluator's loss, or NaN without evaluator
     * @param lr the learning rate after the scheduler's step
     * @param seconds wall time of the epoch
     * @param improved whether the evaluation loss improved on the best by more than min delta
     */
    record EpochEnd(int epoch, double trainLoss, double evalLoss, double lr, double seconds, boolean improved) {
    }

    /** Called after each batch. */
    default void onBatchEnd(BatchEnd event) {
    }

    /** Called after each epoch, after the checkpoint (if any) was written. */
    default void onEpochEnd(EpochEnd event) {
    }

    /** Called once when training ends normally (all epochs, or early stopping). */
    default void onTrainEnd(TrainingResult result) {
    }
}
