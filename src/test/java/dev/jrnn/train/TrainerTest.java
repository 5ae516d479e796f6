package dev.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.loss.CrossEntropyLoss;
import dev.jrnn.loss.LossOutput;
import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.SequenceClassifier;
import dev.jrnn.optim.Adam;
import dev.jrnn.optim.CosineAnnealingLR;
import dev.jrnn.optim.SGD;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.Threads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop: kill-and-resume gives the uninterrupted run's loss curve and weights bit for bit,
 * one seed makes a run (with dropout and shuffling) deterministic, the thread count does not matter, early
 * stopping, listeners.
 */
class TrainerTest {

    private static final int L = 6;
    private static final int N = 40;
    private static final int F = 3;
    private static final int EPOCHS = 6;

    /** Synthetic task: class 1 iff the sum of feature 0 over time is positive. */
    private static final Tensor X = Tensor.normal(new Generator(11), 0f, 1f, L, N, F);   // (L, N, F)
    private static final int[] Y = labels();

    private static int[] labels() {
        int[] y = new int[N];
        for (int n = 0; n < N; n++) {
            double s = 0;
            for (int t = 0; t < L; t++) {
                s += X.get(t, n, 0);
            }
            y[n] = s > 0 ? 1 : 0;
        }
        return y;
    }

    /** A run's objects; {@code initSeed} sets the initial weights and the dropout generator's seed. */
    private static final class Run {
        final SequenceClassifier model;
        final Adam opt;
        final CosineAnnealingLR sched;
        final Trainer trainer;

        Run(long initSeed, TrainerConfig config) {
            RNN rnn = new RNN(RNNConfig.rnn(F, 8).withNumLayers(2).withDropout(0.3), initSeed);
            model = new SequenceClassifier(rnn, new Linear(8, 2, initSeed + 1));
            opt = new Adam(model.parameters(), 0.02);
            sched = new CosineAnnealingLR(opt, 4, 0.001);
            trainer = new Trainer(model, opt, sched, config);
        }

        TrainingResult fit() throws IOException {
            CrossEntropyLoss ce = CrossEntropyLoss.of();
            return trainer.fit(N, idx -> {
                SequenceClassifier.Output out = model.forward(batch(idx));
                int[] y = new int[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    y[i] = Y[idx[i]];
                }
                LossOutput loss = ce.forward(out.logits(), y);
                out.backward(loss.backward());
                return loss.item();
            }, () -> ce.forward(model.forward(X).logits(), Y).item());
        }

        float[][] weights() {
            List<Parameter> ps = model.parameters();
            float[][] w = new float[ps.size()][];
            for (int i = 0; i < w.length; i++) {
                w[i] = ps.get(i).data().toArray();
            }
            return w;
        }
    }

    private static Tensor batch(int[] idx) {
        Tensor b = Tensor.zeros(L, idx.length, F);
        for (int i = 0; i < idx.length; i++) {
            b.select(1, i).copyFromInPlace(X.select(1, idx[i]));
        }
        return b;
    }

    private static TrainerConfig config() {
        return TrainerConfig.of(EPOCHS, 8).withSeed(5).withClipGradNorm(1.0);
    }

    @Test
    void killAndResumeGivesTheUninterruptedRunBitForBit(@TempDir Path dir) throws IOException {
        Run uninterrupted = new Run(3, config());
        TrainingResult full = uninterrupted.fit();

        Path ckpt = dir.resolve("run.safetensors");
        Run killed = new Run(3, config().withCheckpoint(ckpt));
        killed.trainer.addListener(new TrainingListener() {
            @Override
            public void onBatchEnd(BatchEnd e) {
                if (e.epoch() == 4 && e.batch() == 2) {
                    throw new IllegalStateException("simulated kill");
                }
            }
        });
        assertThatThrownBy(killed::fit).hasMessage("simulated kill");
        assertThat(Checkpoint.load(ckpt, new Run(9, config()).model, new Run(9, config()).opt,
                new Run(9, config()).sched, Map.of("shuffle", new Generator(0))).epoch()).isEqualTo(3);

        // a new process: other initial weights and dropout seed, all restored from the checkpoint
        Run resumed = new Run(99, config().withCheckpoint(ckpt));
        List<Integer> epochsSeen = new ArrayList<>();
        resumed.trainer.addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(EpochEnd e) {
                epochsSeen.add(e.epoch());
            }
        });
        TrainingResult r = resumed.fit();
        assertThat(epochsSeen).containsExactly(4, 5, 6);
        assertThat(r.trainLosses()).isEqualTo(full.trainLosses());
        assertThat(r.evalLosses()).isEqualTo(full.evalLosses());
        float[][] a = uninterrupted.weights();
        float[][] b = resumed.weights();
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isEqualTo(a[i]);
        }
        assertThat(resumed.opt.lr()).isEqualTo(uninterrupted.opt.lr());
        assertThat(full.trainLosses().get(EPOCHS - 1)).isLessThan(full.trainLosses().get(0));
        System.out.printf("TrainerTest: train loss %s, eval loss %s%n", full.trainLosses(), full.evalLosses());
    }

    @Test
    void oneSeedMakesTheRunDeterministicAndThreadCountDoesNotMatter() throws IOException {
        int threads = Threads.count();
        try {
            Threads.setCount(1);
            TrainingResult one = new Run(3, config()).fit();
            Threads.setCount(3);
            TrainingResult three = new Run(3, config()).fit();
            assertThat(three.trainLosses()).isEqualTo(one.trainLosses());
            assertThat(three.evalLosses()).isEqualTo(one.evalLosses());
            TrainingResult otherShuffle = new Run(3, config().withSeed(6)).fit();
            assertThat(otherShuffle.trainLosses()).isNotEqualTo(one.trainLosses());
        } finally {
            Threads.setCount(threads);
        }
    }

    @Test
    void checkpointHoldsEveryPartAndRejectsAMismatchedOptimizer(@TempDir Path dir) throws IOException {
        Run run = new Run(3, TrainerConfig.of(1, 8).withCheckpoint(dir.resolve("c.safetensors")));
        run.fit();
        SafetensorsFile f = Safetensors.read(dir.resolve("c.safetensors"));
        assertThat(f.names()).contains("model.rnn.weight_ih_l0", "model.head.weight", "optimizer.state.0.exp_avg",
                "rng.model.rnn.dropout", "rng.shuffle");
        assertThat(f.metadata()).containsEntry("format", Checkpoint.FORMAT).containsEntry("epoch", "1")
                .containsEntry("optimizer.class", "Adam").containsEntry("scheduler.class", "CosineAnnealingLR")
                .containsEntry("scheduler.last_epoch", "1").containsKey("optimizer.lr");
        Run other = new Run(3, TrainerConfig.of(1, 8));
        SGD sgd = new SGD(other.model.parameters(), 0.1);
        assertThatThrownBy(() -> Checkpoint.load(dir.resolve("c.safetensors"), other.model, sgd, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("optimizer is Adam, got SGD");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("c.safetensors");  // no temporary left
        }
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndListenersSeeProgress() throws IOException {
        Run run = new Run(3, TrainerConfig.of(20, 16).withEarlyStopping(2, 0.0));
        List<TrainingListener.BatchEnd> batches = new ArrayList<>();
        run.trainer.addListener(new TrainingListener() {
            @Override
            public void onBatchEnd(BatchEnd e) {
                batches.add(e);
            }
        });
        double[] evalLoss = {1.0, 0.9, 0.95, 0.97, 0.5};
        int[] calls = {0};
        TrainingResult r = run.trainer.fit(N, idx -> {
            SequenceClassifier.Output out = run.model.forward(batch(idx));
            out.backward(Tensor.zeros(idx.length, 2));
            return 1.0;
        }, () -> evalLoss[calls[0]++]);
        assertThat(r.stoppedEarly()).isTrue();
        assertThat(r.epochs()).isEqualTo(4);
        assertThat(r.bestEpoch()).isEqualTo(2);
        assertThat(r.bestEvalLoss()).isEqualTo(0.9);
        assertThat(batches).hasSize(4 * 3);
        assertThat(batches.get(0).batchesPerEpoch()).isEqualTo(3);
        assertThat(batches.get(0).examplesPerSecond()).isPositive();
        assertThat(batches.get(11).etaSeconds()).isGreaterThanOrEqualTo(0);
    }
}
