package dev.jrnn.train;

import dev.jrnn.nn.Module;
import dev.jrnn.optim.ClipGrad;
import dev.jrnn.optim.LRScheduler;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.ReduceLROnPlateau;
import dev.jrnn.optim.Scheduler;
import dev.jrnn.optim.SequentialLR;
import dev.jrnn.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small training loop: epochs of shuffled mini-batches, gradient clipping, an optimizer and an optional
 * scheduler, evaluation and early stopping, a checkpoint after every epoch with automatic resume, and
 * progress through {@link TrainingListener}s (no logging framework).
 *
 * <p>The caller supplies the model-specific part as a {@link BatchStep}: given the indices of a batch it
 * runs forward, the loss and backward (gradients accumulate into the parameters) and returns the loss.
 * The trainer does everything around it, per batch: {@code zeroGrad}, the step, clipping (the total
 * norm is reported either way), {@code optimizer.step()}; per epoch: evaluation in eval mode, the
 * scheduler ({@link LRScheduler#step()}, {@link SequentialLR#step()}, or
 * {@link ReduceLROnPlateau#step(double)} with the evaluation loss, else the training loss), early
 * stopping, the checkpoint, the listeners.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, new Adam(model.parameters(), 1e-3), null,
 *         TrainerConfig.of(20, 32).withSeed(7).withClipGradNorm(1.0).withEarlyStopping(3, 0)
 *                 .withCheckpoint(Path.of("run.ckpt.safetensors")));
 * trainer.addListener(new TrainingListener() {
 *     public void onEpochEnd(EpochEnd e) { System.out.println(e); }
 * });
 * TrainingResult r = trainer.fit(numExamples, idx -> {
 *     SequenceClassifier.Output out = model.forward(batchInput(idx));
 *     LossOutput loss = CrossEntropyLoss.of().forward(out.logits(), batchTargets(idx));
 *     out.backward(loss.backward());
 *     return loss.item();
 * }, () -> validationLoss(model));
 * }</pre>
 *
 * <p><b>Reproducibility.</b> The batch order comes from a {@link Generator} seeded with
 * {@link TrainerConfig#seed()} (a fresh permutation of {@code 0..n−1} per epoch, Fisher–Yates with
 * {@link Generator#nextInt(int)}); dropout draws from the model's own generators; GEMM results do not
 * depend on the thread count. So one seed (plus the model's) fixes the whole run, and a run resumed from
 * a checkpoint continues exactly as the uninterrupted one would have (the shuffling generator, the
 * model's generators, the optimizer, the scheduler and the history are in the checkpoint).
 *
 * <p>Not thread-safe: one {@code fit} at a time.
 *
 * <p>Thread safety: not thread-safe: {@code fit} trains the model and drives the optimizer and scheduler,
 * which are all single-threaded; run one {@code fit} at a time and do not use the model elsewhere meanwhile.
 * Listeners are kept in a copy-on-write list, so {@code addListener} from another thread is safe; listeners
 * are called on the thread running {@code fit}.
 */
public final class Trainer {

    /** The model-specific part of a training step. */
    @FunctionalInterface
    public interface BatchStep {
        /**
         * Runs forward, loss and backward for one batch.
         *
         * @param indices the example indices of the batch, in batch order; the trainer's array (do not keep it)
         * @return the batch's loss (e.g. {@code LossOutput.item()})
         */
        double run(int[] indices);
    }

    /** Computes an evaluation loss (the model is in eval mode during the call). */
    @FunctionalInterface
    public interface Evaluator {
        /** {@return the evaluation loss, lower is better} */
        double evaluate();
    }

    private final Module model;
    private final Optimizer optimizer;
    private final Scheduler scheduler;   // null: constant learning rate
    private final TrainerConfig config;
    private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();

    /**
     * @param model the model (train/eval is switched by the trainer)
     * @param optimizer over the model's parameters
     * @param scheduler driving that optimizer, or null
     * @param config the loop settings
     * @throws IllegalArgumentException if the scheduler drives another optimizer
     */
    public Trainer(Module model, Optimizer optimizer, Scheduler scheduler, TrainerConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.config = Objects.requireNonNull(config, "config");
        if (scheduler != null && scheduler.optimizer() != optimizer) {
            throw new IllegalArgumentException("the scheduler drives another optimizer than the trainer's");
        }
        this.scheduler = scheduler;
    }

    /** Adds a listener; returns this. */
    public Trainer addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Trains, resuming from the configured checkpoint when it exists.
     *
     * @param numExamples size of the training set, {@code >= 1}
     * @param step forward, loss and backward of one batch
     * @param evaluator the evaluation loss, or null (then early stopping is not allowed)
     * @return the history of the whole run
     * @throws IOException if a checkpoint cannot be read or written
     * @throws IllegalArgumentException for {@code numExamples < 1}, early stopping without evaluator, or a
     *     checkpoint that does not fit the model, optimizer or scheduler
     */
    public TrainingResult fit(int numExamples, BatchStep step, Evaluator evaluator) throws IOException {
        Objects.requireNonNull(step, "step");
        if (numExamples < 1) {
            throw new IllegalArgumentException("numExamples must be >= 1, got " + numExamples);
        }
        if (config.earlyStopping() && evaluator == null) {
            throw new IllegalArgumentException("early stopping needs an evaluator");
        }
        Generator shuffler = new Generator(config.seed());
        List<Double> trainLosses = new ArrayList<>();
        List<Double> evalLosses = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        int badEpochs = 0;
        int start = 1;
        if (config.checkpoint() != null && Files.exists(config.checkpoint())) {
            Checkpoint.Loaded loaded = Checkpoint.load(config.checkpoint(), model, optimizer, scheduler,
                    Map.of("shuffle", shuffler));
            Map<String, String> x = loaded.extra();
            trainLosses.addAll(parseList(x.get("train_losses")));
            evalLosses.addAll(parseList(x.get("eval_losses")));
            best = Double.parseDouble(x.getOrDefault("best", "Infinity"));
            bestEpoch = Integer.parseInt(x.getOrDefault("best_epoch", "0"));
            badEpochs = Integer.parseInt(x.getOrDefault("bad_epochs", "0"));
            start = (int) loaded.epoch() + 1;
            if (Boolean.parseBoolean(x.get("stopped_early"))) {
                TrainingResult r = result(trainLosses, evalLosses, bestEpoch, best, evaluator, true);
                for (TrainingListener l : listeners) {
                    l.onTrainEnd(r);
                }
                return r;
            }
        }
        int bs = config.batchSize();
        int batches = config.dropLast() ? numExamples / bs : (numExamples + bs - 1) / bs;
        if (batches == 0) {
            throw new IllegalArgumentException("dropLast with batch size " + bs + " leaves no batch of " + numExamples
                    + " examples");
        }
        long t0 = System.nanoTime();
        long examplesDone = 0;
        long totalExamplesLeft = (long) (config.epochs() - start + 1) * Math.min(numExamples, (long) batches * bs);
        boolean stopped = false;
        int[] order = new int[numExamples];
        for (int epoch = start; epoch <= config.epochs(); epoch++) {
            long te = System.nanoTime();
            model.train();
            for (int i = 0; i < numExamples; i++) {
                order[i] = i;
            }
            if (config.shuffle()) {
                for (int i = numExamples - 1; i > 0; i--) {
                    int j = shuffler.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            double lossSum = 0;
            long seen = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * bs;
                int[] idx = Arrays.copyOfRange(order, from, Math.min(from + bs, numExamples));
                optimizer.zeroGrad();
                double loss = step.run(idx);
                double norm = ClipGrad.clipGradNorm(optimizer.parameters(),
                        config.clipsGradients() ? config.clipGradNorm() : Double.POSITIVE_INFINITY);
                double lr = optimizer.lr();
                optimizer.step();
                lossSum += loss * idx.length;
                seen += idx.length;
                examplesDone += idx.length;
                if (!listeners.isEmpty()) {
                    double secs = (System.nanoTime() - t0) * 1e-9;
                    double rate = examplesDone / Math.max(secs, 1e-9);
                    double eta = (totalExamplesLeft - examplesDone) / rate;
                    TrainingListener.BatchEnd ev = new TrainingListener.BatchEnd(epoch, b + 1, batches, loss, norm, lr,
                            rate, eta);
                    for (TrainingListener l : listeners) {
                        l.onBatchEnd(ev);
                    }
                }
            }
            double trainLoss = lossSum / seen;
            double evalLoss = Double.NaN;
            if (evaluator != null) {
                model.eval();
                try {
                    evalLoss = evaluator.evaluate();
                } finally {
                    model.train();
                }
            }
            boolean improved = evaluator != null && evalLoss < best - config.minDelta();
            if (improved) {
                best = evalLoss;
                bestEpoch = epoch;
                badEpochs = 0;
            } else if (evaluator != null) {
                badEpochs++;
            }
            if (scheduler instanceof LRScheduler s) {
                s.step();
            } else if (scheduler instanceof SequentialLR s) {
                s.step();
            } else if (scheduler instanceof ReduceLROnPlateau p) {
                p.step(evaluator != null ? evalLoss : trainLoss);
            }
            trainLosses.add(trainLoss);
            evalLosses.add(evalLoss);
            stopped = config.earlyStopping() && badEpochs >= config.patience() && epoch < config.epochs();
            if (config.checkpoint() != null) {
                Checkpoint.save(config.checkpoint(), model, optimizer, scheduler, Map.of("shuffle", shuffler), epoch,
                        Map.of("train_losses", joinList(trainLosses), "eval_losses", joinList(evalLosses),
                                "best", Double.toString(best), "best_epoch", Integer.toString(bestEpoch),
                                "bad_epochs", Integer.toString(badEpochs), "stopped_early", Boolean.toString(stopped)));
            }
            TrainingListener.EpochEnd ev = new TrainingListener.EpochEnd(epoch, trainLoss, evalLoss, optimizer.lr(),
                    (System.nanoTime() - te) * 1e-9, improved);
            for (TrainingListener l : listeners) {
                l.onEpochEnd(ev);
            }
            if (stopped) {
                break;
            }
        }
        TrainingResult r = result(trainLosses, evalLosses, bestEpoch, best, evaluator, stopped);
        for (TrainingListener l : listeners) {
            l.onTrainEnd(r);
        }
        return r;
    }

    private static TrainingResult result(List<Double> train, List<Double> eval, int bestEpoch, double best,
                                         Evaluator evaluator, boolean stopped) {
        return new TrainingResult(train, eval, bestEpoch, evaluator == null || bestEpoch == 0 ? Double.NaN : best,
                stopped);
    }

    private static String joinList(List<Double> v) {
        StringBuilder s = new StringBuilder();
        for (double d : v) {
            if (s.length() > 0) {
                s.append(',');
            }
            s.append(d);
        }
        return s.toString();
    }

    private static List<Double> parseList(String s) {
        List<Double> out = new ArrayList<>();
        if (s != null && !s.isEmpty()) {
            for (String p : s.split(",")) {
                out.add(Double.parseDouble(p));
            }
        }
        return out;
    }
}
